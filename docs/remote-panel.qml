// A panel that reads the tank through the gateway of docs/gateway-line1.qml: no connection of
// its own to the PLC, so start as many as you like. Run it with `qml-s7 run
// docs/remote-panel.qml` while the broker, `qml-s7-sim --process` and `qml-s7 gateway
// docs/gateway-line1.qml` run; a second one with `--set "station=Panel 2"`, another broker
// with `--set broker=mqtt://broker.example:1883`.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import QmlS7
import QmlS7.Controls

ApplicationWindow {
    id: window
    width: 480; height: 360; visible: true
    title: window.station + ": tank through the gateway line1"

    property string station: "Panel 1"
    property string broker: "mqtt://127.0.0.1:1883"

    S7RemoteClient {
        id: line1
        broker: window.broker
        gateway: "line1"                    // S7Gateway.name in docs/gateway-line1.qml
        // The gateway's tags: its variables' names (here addresses, or tags of its tag table).
        S7Variable { id: level; name: "DB1.DBD2:REAL" }
        S7Variable { id: pump; name: "DB1.DBX0.0" }
        S7Variable { id: setpoint; name: "DB1.DBD14:REAL" }
    }
    ColumnLayout {
        anchors.fill: parent; anchors.margins: 16
        spacing: 12
        ConnectionBadge { client: line1 }   // the broker, and whether the gateway is online
        NumericDisplay { Layout.fillWidth: true; label: "Tank level"; unit: "%"; variable: level }
        ToggleButton { Layout.fillWidth: true; text: "Pump"; variable: pump }
        SetpointControl {
            Layout.fillWidth: true
            label: "Temperature setpoint"; unit: "°C"; from: 20; to: 90; decimals: 1
            variable: setpoint
        }
    }
}
