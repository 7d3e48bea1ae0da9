import QtQuick
import QtQuick.Controls.Basic

// A read-only value with a label and a unit: "Level  42.5 %".
// Plain properties (value, valid, errorText) work without a PLC; `variable` feeds them from
// an S7Variable. When the value is not valid it shows "--" greyed (or, with keepLastValue,
// the last value greyed) and the error in a tool tip.
VariableControl {
    id: root


    property string label: ""
    property string unit: ""
    property int decimals: 1
    // Optional function(value) -> string; replaces the fixed-point formatting.
    property var formatter: null
    // When not valid, show the last value greyed instead of "--".
    property bool keepLastValue: false
    property color valueColor: Theme.text

    // What the value field shows (without the unit).
    readonly property string displayText: {
        if (!valid && !keepLastValue)
            return Theme.invalidText
        return format(value)
    }

    function format(v) {
        if (v === undefined || v === null)
            return Theme.invalidText
        if (typeof formatter === "function")
            return String(formatter(v))
        if (typeof v === "number")
            return isFinite(v) ? v.toFixed(Math.max(0, decimals)) : String(v)
        return String(v)
    }

    padding: Theme.padding
    implicitWidth: Math.max(implicitBackgroundWidth, implicitContentWidth + leftPadding + rightPadding)
    implicitHeight: Math.max(implicitBackgroundHeight, implicitContentHeight + topPadding + bottomPadding)


    background: Rectangle {
        implicitWidth: 120
        color: Theme.surface
        radius: Theme.radius
        border.width: Theme.borderWidth
        border.color: root.errorText.length > 0 ? Theme.alarm : Theme.border
    }

    contentItem: Item {
        implicitWidth: Math.max(labelText.implicitWidth, valueRow.implicitWidth)
        implicitHeight: (labelText.visible ? labelText.implicitHeight + 2 : 0) + valueRow.implicitHeight

        Text {
            id: labelText
            objectName: "label"
            anchors.left: parent.left
            anchors.right: parent.right
            anchors.top: parent.top
            visible: root.label.length > 0
            text: root.label
            color: Theme.textMuted
            font.pixelSize: Theme.fontSmall
            elide: Text.ElideRight
        }
        Row {
            id: valueRow
            anchors.right: parent.right
            anchors.bottom: parent.bottom
            spacing: 4

            Text {
                id: valueText
                objectName: "value"
                text: root.displayText
                color: root.valid ? root.valueColor : Theme.invalid
                font.pixelSize: Theme.fontLarge
            }
            Text {
                objectName: "unit"
                anchors.baseline: valueText.baseline
                visible: root.unit.length > 0
                text: root.unit
                color: root.valid ? Theme.textMuted : Theme.invalid
                font.pixelSize: Theme.fontNormal
            }
        }
    }
}
