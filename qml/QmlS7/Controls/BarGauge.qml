pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls.Basic

// A bar between `from` and `to` with optional warning and alarm limits, a label, the value
// and its unit. The bar takes the warning or alarm colour when a limit is reached; limits
// left at NaN are off. Greyed when the value is not valid; the error shows in a tool tip.
VariableControl {
    id: root


    property string label: ""
    property string unit: ""
    property int decimals: 1
    property real from: 0
    property real to: 100
    property int orientation: Qt.Horizontal

    // Limits: NaN = off. Low limits trip at or below, high limits at or above.
    property real warningLow: NaN
    property real warningHigh: NaN
    property real alarmLow: NaN
    property real alarmHigh: NaN

    property color normalColor: Theme.accent
    property color warningColor: Theme.warning
    property color alarmColor: Theme.alarm

    readonly property bool hasNumber: typeof value === "number" && isFinite(value)
    // 0..1: where the value sits between from and to (clamped).
    readonly property real position: {
        if (!hasNumber || to === from)
            return 0
        return Math.max(0, Math.min(1, (value - from) / (to - from)))
    }
    // "normal", "warning", "alarm" or "invalid"
    readonly property string zone: {
        if (!valid || !hasNumber)
            return "invalid"
        if (value >= alarmHigh || value <= alarmLow)
            return "alarm"
        if (value >= warningHigh || value <= warningLow)
            return "warning"
        return "normal"
    }
    readonly property color barColor: zone === "alarm" ? alarmColor
                                    : zone === "warning" ? warningColor
                                    : zone === "normal" ? normalColor : Theme.invalid
    readonly property string displayText: valid && hasNumber
                                          ? value.toFixed(Math.max(0, decimals)) : Theme.invalidText

    readonly property bool vertical: orientation === Qt.Vertical

    function positionOf(limit) {
        return to === from ? 0 : Math.max(0, Math.min(1, (limit - from) / (to - from)))
    }

    padding: Theme.padding
    implicitWidth: Math.max(implicitBackgroundWidth, implicitContentWidth + leftPadding + rightPadding)
    implicitHeight: Math.max(implicitBackgroundHeight, implicitContentHeight + topPadding + bottomPadding)


    background: Rectangle {
        color: Theme.surface
        radius: Theme.radius
        border.width: Theme.borderWidth
        border.color: root.errorText.length > 0 ? Theme.alarm : Theme.border
    }

    contentItem: Item {
        implicitWidth: root.vertical ? Math.max(header.implicitWidth, 80) : 200
        implicitHeight: root.vertical ? 180 : header.implicitHeight + Theme.spacing + 16 + fromText.implicitHeight

        // Label and value
        Item {
            id: header
            width: parent.width
            implicitWidth: root.vertical ? Math.max(labelText.implicitWidth, valueRow.implicitWidth)
                                         : labelText.implicitWidth + valueRow.implicitWidth + Theme.spacing
            implicitHeight: root.vertical ? labelText.implicitHeight + valueRow.implicitHeight
                                          : Math.max(labelText.implicitHeight, valueRow.implicitHeight)
            height: implicitHeight

            Text {
                id: labelText
                objectName: "label"
                anchors.left: parent.left
                anchors.right: root.vertical ? parent.right : valueRow.left
                anchors.bottom: root.vertical ? undefined : valueRow.bottom
                anchors.bottomMargin: 3
                text: root.label
                color: Theme.textMuted
                font.pixelSize: Theme.fontSmall
                elide: Text.ElideRight
                horizontalAlignment: root.vertical ? Text.AlignHCenter : Text.AlignLeft
            }
            Row {
                id: valueRow
                anchors.right: root.vertical ? undefined : parent.right
                anchors.horizontalCenter: root.vertical ? parent.horizontalCenter : undefined
                anchors.top: root.vertical ? labelText.bottom : parent.top
                spacing: 3

                Text {
                    id: valueText
                    objectName: "value"
                    text: root.displayText
                    color: root.zone === "invalid" ? Theme.invalid
                         : root.zone === "normal" ? Theme.text : root.barColor
                    font.pixelSize: Theme.fontLarge
                    font.bold: root.zone === "alarm"
                }
                Text {
                    anchors.baseline: valueText.baseline
                    visible: root.unit.length > 0
                    text: root.unit
                    color: root.valid ? Theme.textMuted : Theme.invalid
                    font.pixelSize: Theme.fontNormal
                }
            }
        }

        // The track, the bar, the limit marks and the range
        Rectangle {
            id: track
            objectName: "track"
            x: root.vertical ? (parent.width - width) / 2 : 0
            y: header.height + Theme.spacing
            width: root.vertical ? 18 : parent.width
            height: root.vertical ? parent.height - y : 14
            radius: Theme.radius
            color: root.valid ? Theme.background : Theme.invalidFill
            border.width: Theme.borderWidth
            border.color: Theme.border

            Rectangle {
                id: bar
                objectName: "bar"
                x: Theme.borderWidth
                y: root.vertical ? parent.height - height - Theme.borderWidth : Theme.borderWidth
                width: root.vertical ? parent.width - 2 * Theme.borderWidth
                                     : (parent.width - 2 * Theme.borderWidth) * root.position
                height: root.vertical ? (parent.height - 2 * Theme.borderWidth) * root.position
                                      : parent.height - 2 * Theme.borderWidth
                radius: Theme.radius - 1
                color: root.barColor
                opacity: root.valid ? 1 : 0.5
            }

            Repeater {
                model: [
                    { limit: root.warningLow, color: root.warningColor },
                    { limit: root.warningHigh, color: root.warningColor },
                    { limit: root.alarmLow, color: root.alarmColor },
                    { limit: root.alarmHigh, color: root.alarmColor }
                ]
                delegate: Rectangle {
                    required property var modelData
                    visible: !isNaN(modelData.limit)
                    color: modelData.color
                    width: root.vertical ? track.width + 6 : 2
                    height: root.vertical ? 2 : track.height + 6
                    x: root.vertical ? -3 : root.positionOf(modelData.limit) * (track.width - width)
                    y: root.vertical ? (1 - root.positionOf(modelData.limit)) * (track.height - height) : -3
                }
            }

            Text {
                id: fromText
                objectName: "from"
                x: root.vertical ? parent.width + 4 : 0
                y: root.vertical ? parent.height - height : parent.height + 2
                text: root.from
                color: Theme.textMuted
                font.pixelSize: Theme.fontSmall
            }
            Text {
                objectName: "to"
                x: root.vertical ? parent.width + 4 : parent.width - width
                y: root.vertical ? 0 : parent.height + 2
                text: root.to
                color: Theme.textMuted
                font.pixelSize: Theme.fontSmall
            }
        }
    }
}
