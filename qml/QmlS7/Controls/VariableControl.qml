import QtQuick
import QtQuick.Controls.Basic

// What every widget fed by an S7Variable has in common (not for use on its own): the plain
// properties a widget shows (value, valid, errorText, connected), fed from `variable` when
// one is set and overridable by bindings of the panel, and the error in a tool tip on hover.
// `connected` follows the client the variable uses (S7Variable.connected), also when the
// variable finds its client implicitly: panels need not bind it.
Control {
    property var variable: null
    property var value: variable ? variable.data : undefined
    property bool valid: variable ? variable.valid : true
    property string errorText: variable && variable.error !== 0 ? variable.errorString : ""
    property bool connected: variable ? variable.connected : true

    // A HoverHandler rather than Control.hovered: inner controls (buttons, sliders) take the
    // hover events of the items they cover.
    HoverHandler { id: hoverHandler }
    ToolTip.visible: hoverHandler.hovered && errorText.length > 0
    ToolTip.text: errorText
    ToolTip.delay: Theme.toolTipDelay
}
