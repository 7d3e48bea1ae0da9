import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import QmlS7

ApplicationWindow {
    id: window
    width: 640
    height: 400
    visible: true
    title: "qml-s7 demo - " + plc.hostname + ":" + plc.port

    // Set by the demo command: where the PLC (or the embedded simulator) listens.
    property string plcHost: "127.0.0.1"
    property int plcPort: 102
    property int plcRack: 0
    property int plcSlot: 1

    S7Client {
        id: plc
        hostname: window.plcHost
        port: window.plcPort
        rack: window.plcRack
        slot: window.plcSlot
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 24
        spacing: 12

        RowLayout {
            spacing: 10
            Rectangle {
                width: 18; height: 18; radius: 9
                color: plc.connected ? "#2e7d32" : plc.connecting ? "#f9a825" : "#c62828"
            }
            Label {
                font.pixelSize: 20
                text: plc.connected ? "Connected" : plc.connecting ? "Connecting..." : "Disconnected"
            }
        }
        GridLayout {
            columns: 2
            columnSpacing: 16
            Label { text: "PLC" }
            Label { text: plc.hostname + ":" + plc.port + "  rack " + plc.rack + ", slot " + plc.slot }
            Label { text: "Module" }
            Label { objectName: "moduleName"; text: plc.moduleName || "-" }
            Label { text: "Module type" }
            Label { text: plc.moduleTypeName || "-" }
            Label { text: "Serial number" }
            Label { text: plc.serialNumber || "-" }
            Label { text: "PDU length" }
            Label { text: plc.pduLength || "-" }
        }
        Label {
            Layout.fillWidth: true
            wrapMode: Text.Wrap
            color: "#c62828"
            visible: plc.error !== S7Client.NoError
            text: plc.errorString
        }
        Item { Layout.fillHeight: true }
        RowLayout {
            Button { text: "Connect"; enabled: !plc.connected; onClicked: plc.connectToHost() }
            Button { text: "Disconnect"; enabled: plc.connected; onClicked: plc.disconnectFromHost() }
        }
    }
}
