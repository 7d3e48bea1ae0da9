// Your first panel: run it with `qml-s7 run docs/first-panel.qml` while `qml-s7-sim --process`
// runs in another terminal (or point hostname/port at your PLC).
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import QmlS7
import QmlS7.Controls

ApplicationWindow {
    width: 480
    height: 300
    visible: true
    title: "My first qml-s7 panel"

    S7Client {
        id: plc
        hostname: "127.0.0.1"
        port: 1102                      // qml-s7-sim's default port; a real PLC listens on 102
        rack: 0; slot: 1
        pollInterval: 250               // read every variable four times a second

        S7Variable { id: level; name: "DB1.DBD2:REAL" }
        S7Variable { id: pump; name: "DB1.DBX0.0" }
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 16
        spacing: 12
        ConnectionBadge { client: plc }
        NumericDisplay { Layout.fillWidth: true; label: "Tank level"; unit: "%"; variable: level }
        BarGauge { Layout.fillWidth: true; label: "Level"; unit: "%"; variable: level; alarmHigh: 90 }
        ToggleButton {
            Layout.fillWidth: true
            text: "Pump"
            variable: pump
            connected: plc.connected
        }
    }
}
