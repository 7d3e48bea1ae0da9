import QtQuick
import QtQuick.Controls.Basic

// The state of a PLC connection: a coloured dot with "connected", "connecting..." or
// "disconnected", the CPU's mode (RUN, or STOP in amber), the host:port, and the client's
// error text when there is one. `client` feeds the plain properties (connected, connecting,
// cpuState, hostname, port, errorText).
Control {
    id: root

    property var client: null
    property bool connected: client ? client.connected : false
    property bool connecting: client ? client.connecting : false
    // S7Client.CpuState: 8 Run, 4 Stop, 0 Unknown (what SZL 0x0424 says).
    property int cpuState: client ? client.cpuState : 0
    property string hostname: client ? client.hostname : ""
    property int port: client ? client.port : 102
    property string errorText: client && client.error !== 0 ? client.errorString : ""
    // Show the error text under the state (it also shows in a tool tip).
    property bool showError: true

    // "connected", "connecting..." or "disconnected"
    readonly property string stateText: connected ? qsTr("connected")
                                      : connecting ? qsTr("connecting...") : qsTr("disconnected")
    // "RUN", "STOP", or "" while unknown (not connected, or a CPU that does not say)
    readonly property string cpuText: !connected ? "" : cpuState === 8 ? "RUN"
                                      : cpuState === 4 ? "STOP" : ""
    readonly property color stateColor: connected ? (cpuState === 4 ? Theme.warning : Theme.ok)
                                      : connecting ? Theme.warning : Theme.alarm
    readonly property string address: hostname.length > 0 ? hostname + ":" + port : ""

    hoverEnabled: true
    padding: Theme.padding
    spacing: Theme.spacing
    implicitWidth: Math.max(implicitBackgroundWidth, implicitContentWidth + leftPadding + rightPadding)
    implicitHeight: Math.max(implicitBackgroundHeight, implicitContentHeight + topPadding + bottomPadding)

    ToolTip.visible: hovered && errorText.length > 0
    ToolTip.text: errorText
    ToolTip.delay: Theme.toolTipDelay

    background: Rectangle {
        implicitWidth: 160
        color: Theme.surface
        radius: Theme.radius
        border.width: Theme.borderWidth
        border.color: Theme.border
    }

    contentItem: Item {
        implicitWidth: Math.max(dot.width + root.spacing + stateLabel.implicitWidth + root.spacing
                                + (cpuLabel.visible ? cpuLabel.implicitWidth + root.spacing : 0)
                                + addressLabel.implicitWidth,
                                errorLabel.visible ? Math.min(errorLabel.implicitWidth, 320) : 0)
        implicitHeight: Math.max(dot.height, stateLabel.implicitHeight, addressLabel.implicitHeight)
                        + (errorLabel.visible ? root.spacing / 2 + errorLabel.implicitHeight : 0)

        Rectangle {
            id: dot
            objectName: "dot"
            x: 0
            y: (stateLabel.implicitHeight - height) / 2
            width: 12
            height: 12
            radius: 6
            color: root.stateColor
            border.width: Theme.borderWidth
            border.color: Qt.darker(root.stateColor, 1.25)

            SequentialAnimation on opacity {
                running: root.connecting
                loops: Animation.Infinite
                alwaysRunToEnd: true
                NumberAnimation { to: 0.3; duration: 400 }
                NumberAnimation { to: 1; duration: 400 }
            }
        }
        Text {
            id: stateLabel
            objectName: "state"
            anchors.left: dot.right
            anchors.leftMargin: root.spacing
            anchors.top: parent.top
            text: root.stateText
            color: Theme.text
            font.pixelSize: Theme.fontNormal
            font.bold: true
        }
        Text {
            id: cpuLabel
            objectName: "cpu"
            visible: root.cpuText.length > 0
            anchors.left: stateLabel.right
            anchors.leftMargin: visible ? root.spacing : 0
            anchors.baseline: stateLabel.baseline
            width: visible ? implicitWidth : 0
            text: root.cpuText
            color: root.cpuState === 4 ? Theme.warning : Theme.ok
            font.pixelSize: Theme.fontSmall
            font.bold: true
        }
        Text {
            id: addressLabel
            objectName: "address"
            anchors.left: cpuLabel.right
            anchors.leftMargin: root.spacing
            anchors.right: parent.right
            anchors.baseline: stateLabel.baseline
            text: root.address
            color: Theme.textMuted
            font.pixelSize: Theme.fontSmall
            elide: Text.ElideRight
        }
        Text {
            id: errorLabel
            objectName: "error"
            anchors.left: parent.left
            anchors.right: parent.right
            anchors.bottom: parent.bottom
            visible: root.showError && root.errorText.length > 0
            text: root.errorText
            color: Theme.alarm
            font.pixelSize: Theme.fontSmall
            elide: Text.ElideRight
            maximumLineCount: 2
            wrapMode: Text.Wrap
        }
    }
}
