// Your first panel. Run it with `qml-s7 run docs/first-panel.qml` while `qml-s7-sim --process`
// runs in another terminal; for your own PLC, set the root properties below from the command
// line: `qml-s7 run docs/first-panel.qml --set plcHost=192.168.0.10 --set plcPort=102`.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import QmlS7
import QmlS7.Controls

ApplicationWindow {
    id: window
    width: 480; height: 320; visible: true
    title: "My first qml-s7 panel"

    property string plcHost: "127.0.0.1"
    property int plcPort: 1102              // qml-s7-sim's port; a real PLC listens on 102
    property int plcRack: 0
    property int plcSlot: 1                 // S7-1200/1500: 1; S7-300: 2

    S7Client {
        id: plc
        hostname: window.plcHost; port: window.plcPort
        rack: window.plcRack; slot: window.plcSlot
        connectionType: S7Client.OP         // a panel's connection type (README: a real PLC)
        pollInterval: 250                   // read every variable 4 times a second
        S7Variable { id: level; name: "DB1.DBD2:REAL" }   // the tank's level in %
        S7Variable { id: pump;  name: "DB1.DBX0.0" }      // the pump's command bit
    }
    ColumnLayout {
        anchors.fill: parent; anchors.margins: 16
        spacing: 12
        ConnectionBadge { client: plc }
        NumericDisplay { Layout.fillWidth: true; label: "Tank level"; unit: "%"; variable: level }
        BarGauge { Layout.fillWidth: true; label: "Level"; unit: "%"; variable: level; alarmHigh: 90 }
        ToggleButton { Layout.fillWidth: true; text: "Pump"; variable: pump }
    }
}
