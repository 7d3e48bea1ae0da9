import QtQuick
import QtQuick.Controls.Basic

// A lamp for a bit: lit in onColor while the value is true, offColor otherwise, with a label.
// With blink: true a lit lamp flashes (alarm style). When the value is not valid the lamp is
// grey with a question mark and shows the error in a tool tip.
VariableControl {
    id: root


    property string label: ""
    property color onColor: Theme.ok
    property color offColor: Theme.off
    property bool blink: false
    property int blinkInterval: Theme.blinkInterval
    property int lampSize: 18

    // The value as a state: true when valid and on (true or a non-zero number).
    readonly property bool active: valid && (value === true || (typeof value === "number" && value !== 0))
    // Whether the lamp shows onColor right now (false during the dark phase of a blink).
    readonly property bool lit: active && (!blink || _blinkPhase)
    property bool _blinkPhase: true

    padding: Theme.padding / 2
    spacing: Theme.spacing
    implicitWidth: implicitContentWidth + leftPadding + rightPadding
    implicitHeight: implicitContentHeight + topPadding + bottomPadding


    onActiveChanged: _blinkPhase = true

    Timer {
        interval: Math.max(50, root.blinkInterval)
        repeat: true
        running: root.blink && root.active
        onTriggered: root._blinkPhase = !root._blinkPhase
        onRunningChanged: if (!running) root._blinkPhase = true
    }

    contentItem: Row {
        spacing: root.spacing

        Item {
            width: root.lampSize
            height: root.lampSize
            anchors.verticalCenter: parent.verticalCenter

            // Glow
            Rectangle {
                anchors.centerIn: parent
                width: parent.width + 6
                height: width
                radius: width / 2
                color: root.onColor
                opacity: root.lit ? 0.25 : 0
            }
            Rectangle {
                objectName: "lamp"
                anchors.fill: parent
                radius: width / 2
                color: !root.valid ? Theme.invalidFill : root.lit ? root.onColor : root.offColor
                border.width: Theme.borderWidth
                border.color: !root.valid ? Theme.invalid : Qt.darker(color, 1.25)
            }
            // Not valid: a question mark in the grey lamp
            Text {
                anchors.centerIn: parent
                visible: !root.valid
                text: "?"
                color: Theme.invalid
                font.pixelSize: Theme.fontSmall
                font.bold: true
            }
        }
        Text {
            objectName: "label"
            anchors.verticalCenter: parent.verticalCenter
            visible: root.label.length > 0
            text: root.label
            color: root.valid ? Theme.text : Theme.invalid
            font.pixelSize: Theme.fontNormal
        }
    }
}
