import QtQuick
import QtQuick.Controls.Basic

// What every widget fed by an S7Variable has in common (not for use on its own): the plain
// properties a widget shows (value, valid, quality, errorText, connected), fed from `variable`
// when one is set and overridable by bindings of the panel, and the reason in a tool tip.
//
// The quality decides how a value is shown: good as it is; uncertain (a CPU in STOP: the last
// value) shown but marked with a "?"; bad greyed (`valid` false), the reason on hover.
// `connected` follows the client the variable uses (S7Variable.connected), also when the
// variable finds its client implicitly: panels need not bind it.
Control {
    id: control

    property var variable: null
    property var value: variable ? variable.data : undefined
    // The Siemens quality byte of the value (0x80 and up: good; 0x40 and up: uncertain).
    property int quality: variable ? variable.quality : 0x80
    // Shown at all: good or uncertain.
    property bool valid: quality >= 0x40
    readonly property bool uncertain: valid && quality < 0x80
    property string errorText: variable && variable.error !== 0 ? variable.errorString : ""
    property bool connected: variable ? variable.connected : true
    // Why the value is not good, for the tool tip: the error, else the quality's text.
    readonly property string reason: errorText.length > 0 ? errorText
                                     : variable && quality < 0x80 ? variable.qualityString : ""

    // A HoverHandler rather than Control.hovered: inner controls (buttons, sliders) take the
    // hover events of the items they cover.
    HoverHandler { id: hoverHandler }
    ToolTip.visible: hoverHandler.hovered && reason.length > 0
    ToolTip.text: reason
    ToolTip.delay: Theme.toolTipDelay

    // The uncertain mark, over the widget's top right corner.
    Rectangle {
        objectName: "uncertainMark"
        z: 10
        visible: control.uncertain
        anchors { top: parent.top; right: parent.right; margins: 2 }
        width: 16; height: 16; radius: 8
        color: Theme.warning
        Text {
            anchors.centerIn: parent
            text: "?"
            font.bold: true
            font.pixelSize: 11
            color: "white"
        }
    }
}
