import QtQuick
import QtQuick.Controls.Basic

// A button that writes a bit. Toggle mode (default) writes !value on each click; push mode
// (pulse: true) writes true when pressed and false when released, but not before pulseMs
// after the press, so a short tap still reaches the PLC's scan. It is disabled while the
// value is not valid or the client is not connected, and shows the error in a tool tip.
// Without a variable, handle submitted(newValue) and feed `value` yourself.
VariableControl {
    id: root


    property string text: ""
    property bool pulse: false
    property int pulseMs: 0
    property color onColor: Theme.ok

    readonly property bool active: value === true || (typeof value === "number" && value !== 0)
    readonly property bool interactive: enabled && valid && connected
    readonly property alias pressed: button.pressed

    // Every value the button writes (with or without a variable).
    signal submitted(bool newValue)

    function write(newValue) {
        root.submitted(newValue)
        if (root.variable)
            root.variable.data = newValue
    }

    property double _pressedAt: 0
    function _release() {
        const rest = root.pulseMs - (Date.now() - root._pressedAt)
        if (rest > 0) {
            releaseTimer.interval = rest
            releaseTimer.restart()
        } else {
            root.write(false)
        }
    }

    padding: 0
    implicitWidth: button.implicitWidth
    implicitHeight: button.implicitHeight


    Timer {
        id: releaseTimer
        onTriggered: root.write(false)
    }

    contentItem: Button {
        id: button
        objectName: "button"
        enabled: root.valid && root.connected
        text: root.text
        font.pixelSize: Theme.fontNormal
        focusPolicy: Qt.StrongFocus

        onClicked: if (!root.pulse) root.write(!root.active)
        onPressed: {
            if (!root.pulse)
                return
            releaseTimer.stop()
            root._pressedAt = Date.now()
            root.write(true)
        }
        onReleased: if (root.pulse) root._release()
        onCanceled: if (root.pulse) root._release()

        leftPadding: Theme.padding + 16 + Theme.spacing
        rightPadding: Theme.padding + 4
        topPadding: Theme.padding - 2
        bottomPadding: Theme.padding - 2

        contentItem: Text {
            text: button.text
            font: button.font
            color: !button.enabled ? Theme.invalid : root.active ? "white" : Theme.text
            horizontalAlignment: Text.AlignHCenter
            verticalAlignment: Text.AlignVCenter
            elide: Text.ElideRight
        }

        background: Rectangle {
            implicitWidth: 96
            implicitHeight: 32
            radius: Theme.radius
            color: !button.enabled ? Theme.invalidFill
                 : root.active ? (button.down ? Qt.darker(root.onColor, 1.2) : root.onColor)
                 : (button.down ? Theme.background : Theme.surface)
            border.width: button.visualFocus ? 2 : Theme.borderWidth
            border.color: button.visualFocus ? Theme.accent
                        : root.errorText.length > 0 ? Theme.alarm : Theme.border

            // The state of the bit: a small lamp on the left
            Rectangle {
                objectName: "stateLamp"
                x: Theme.padding
                anchors.verticalCenter: parent.verticalCenter
                width: 12
                height: 12
                radius: 6
                color: !root.valid ? Theme.invalidFill : root.active ? "white" : Theme.off
                border.width: Theme.borderWidth
                border.color: !root.valid ? Theme.invalid
                            : root.active ? Qt.darker(root.onColor, 1.3) : Qt.darker(Theme.off, 1.2)
            }
        }
    }
}
