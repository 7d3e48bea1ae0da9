// The qml-s7 demo: an operator panel for a heated tank (see qml_s7/process.py for the
// process and its memory map). Every value comes from the PLC; every button writes to it.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import QmlS7
import QmlS7.Controls

ApplicationWindow {
    id: window
    width: 1024
    height: 680
    visible: true
    color: Theme.background
    title: "qml-s7 demo: tank T-101 on " + plc.hostname + ":" + plc.port

    // Set by `qml-s7 demo`: where the PLC (or the embedded simulator) listens.
    property string plcHost: "127.0.0.1"
    property int plcPort: 102
    property int plcRack: 0
    property int plcSlot: 1

    S7Client {
        id: plc
        objectName: "plc"
        hostname: window.plcHost
        port: window.plcPort
        rack: window.plcRack
        slot: window.plcSlot
        pollInterval: 200       // every variable, five times a second, in one batch

        // Commands
        S7Variable { id: pump; objectName: "pump"; name: "DB1.DBX0.0" }
        S7Variable { id: valve; objectName: "valve"; name: "DB1.DBX0.1" }
        S7Variable { id: heater; objectName: "heater"; name: "DB1.DBX0.2" }
        S7Variable { id: ack; objectName: "ack"; name: "DB1.DBX0.3" }
        S7Variable { id: levelLimit; objectName: "levelLimit"; name: "DB1.DBD10:REAL" }
        S7Variable { id: tempSetpoint; objectName: "tempSetpoint"; name: "DB1.DBD14:REAL" }
        S7Variable { id: pumpSpeed; objectName: "pumpSpeed"; name: "DB1.DBW18:INT" }
        // Process values
        S7Variable {
            id: level; objectName: "level"; name: "DB1.DBD2:REAL"
            Polling on data { interval: 100 }   // the level faster than the rest
        }
        S7Variable { id: temperature; objectName: "temperature"; name: "DB1.DBD6:REAL" }
        S7Variable { id: alarm; objectName: "alarm"; name: "DB1.DBX1.0" }
        S7Variable { id: interlock; objectName: "interlock"; name: "DB1.DBX1.1" }
        S7Variable { id: hours; objectName: "hours"; name: "DB1.DBD20:REAL" }
        S7Variable { id: inflow; objectName: "inflow"; name: "DB1.DBD24:REAL" }
        S7Variable { id: outflow; objectName: "outflow"; name: "DB1.DBD28:REAL" }
        S7Variable { id: pumpRunning; objectName: "pumpRunning"; name: "Q0.0" }
        S7Variable { id: valveOpen; objectName: "valveOpen"; name: "Q0.1" }
        S7Variable { id: heaterOn; objectName: "heaterOn"; name: "Q0.2" }
        S7Variable { id: heartbeat; objectName: "heartbeat"; name: "MW0:INT" }
    }

    component Card: Rectangle {
        default property alias content: inner.data
        property string title
        color: Theme.surface
        border.color: Theme.border
        radius: 6
        Label {
            id: heading
            x: 12; y: 8
            text: parent.title
            font.bold: true
            color: Theme.text
        }
        Item {
            id: inner
            anchors { fill: parent; topMargin: heading.height + 14; leftMargin: 12
                      rightMargin: 12; bottomMargin: 12 }
        }
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 12
        spacing: 12

        // Header: which PLC, and whether we are talking to it.
        RowLayout {
            Layout.fillWidth: true
            spacing: 12
            Label {
                text: "Tank T-101"
                font.pixelSize: 22
                font.bold: true
                color: Theme.text
            }
            Label {
                Layout.fillWidth: true
                color: Theme.textMuted
                text: plc.connected
                      ? plc.moduleTypeName + "  ·  " + plc.serialNumber + "  ·  PDU " + plc.pduLength
                      : ""
            }
            IndicatorLamp {
                label: "heartbeat " + (heartbeat.valid ? heartbeat.data : "--")
                value: heartbeat.valid && heartbeat.data % 2 === 0
                valid: heartbeat.valid
            }
            ConnectionBadge { objectName: "badge"; client: plc }
        }

        RowLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            spacing: 12

            // The tank itself, drawn from the level.
            Card {
                title: "Tank"
                Layout.preferredWidth: 220
                Layout.fillHeight: true
                BarGauge {
                    objectName: "levelGauge"
                    anchors.fill: parent
                    orientation: Qt.Vertical
                    label: "Level"
                    unit: "%"
                    variable: level
                    warningHigh: levelLimit.valid ? levelLimit.data - 10 : Number.NaN
                    alarmHigh: levelLimit.valid ? levelLimit.data : Number.NaN
                }
            }

            ColumnLayout {
                Layout.fillWidth: true
                Layout.fillHeight: true
                spacing: 12

                GridLayout {
                    Layout.fillWidth: true
                    columns: 4
                    columnSpacing: 12
                    rowSpacing: 12
                    NumericDisplay {
                        objectName: "levelDisplay"
                        Layout.fillWidth: true
                        label: "Level"; unit: "%"; variable: level
                    }
                    NumericDisplay {
                        objectName: "temperatureDisplay"
                        Layout.fillWidth: true
                        label: "Temperature"; unit: "°C"; variable: temperature
                    }
                    NumericDisplay {
                        Layout.fillWidth: true
                        label: "Inflow"; unit: "l/min"; decimals: 0; variable: inflow
                    }
                    NumericDisplay {
                        Layout.fillWidth: true
                        label: "Outflow"; unit: "l/min"; decimals: 0; variable: outflow
                    }
                }

                RowLayout {
                    Layout.fillWidth: true
                    spacing: 12
                    Card {
                        title: "Operation"
                        Layout.fillWidth: true
                        Layout.preferredHeight: 190
                        GridLayout {
                            anchors.fill: parent
                            columns: 2
                            columnSpacing: 12
                            rowSpacing: 8
                            ToggleButton {
                                objectName: "pumpButton"
                                Layout.fillWidth: true
                                text: "Pump"; variable: pump; connected: plc.connected
                            }
                            IndicatorLamp {
                                label: "pump running"; variable: pumpRunning
                            }
                            ToggleButton {
                                objectName: "valveButton"
                                Layout.fillWidth: true
                                text: "Drain valve"; variable: valve; connected: plc.connected
                            }
                            IndicatorLamp { label: "valve open"; variable: valveOpen }
                            ToggleButton {
                                objectName: "heaterButton"
                                Layout.fillWidth: true
                                text: "Heater"; variable: heater; connected: plc.connected
                            }
                            IndicatorLamp {
                                label: interlock.valid && interlock.data ? "heater blocked (level low)"
                                                                         : "heater on"
                                variable: heaterOn
                            }
                        }
                    }
                    Card {
                        title: "Alarms"
                        Layout.preferredWidth: 230
                        Layout.preferredHeight: 190
                        ColumnLayout {
                            anchors.fill: parent
                            spacing: 8
                            IndicatorLamp {
                                objectName: "alarmLamp"
                                label: "High level"
                                variable: alarm
                                onColor: Theme.alarm
                                blink: true
                            }
                            IndicatorLamp {
                                label: "Dry-run interlock"
                                variable: interlock
                                onColor: Theme.warning
                            }
                            ToggleButton {
                                Layout.fillWidth: true
                                text: "Acknowledge"; variable: ack; pulse: true; pulseMs: 300
                                connected: plc.connected
                            }
                            NumericDisplay {
                                Layout.fillWidth: true
                                label: "Pump running hours"; unit: "h"; variable: hours
                            }
                        }
                    }
                }

                Card {
                    title: "Setpoints"
                    Layout.fillWidth: true
                    Layout.preferredHeight: 120
                    RowLayout {
                        anchors.fill: parent
                        spacing: 12
                        SetpointControl {
                            Layout.fillWidth: true
                            label: "Pump speed"; unit: "%"; from: 0; to: 100
                            variable: pumpSpeed; connected: plc.connected
                        }
                        SetpointControl {
                            Layout.fillWidth: true
                            label: "Temperature"; unit: "°C"; from: 20; to: 90; decimals: 1
                            variable: tempSetpoint; connected: plc.connected
                        }
                        SetpointControl {
                            Layout.fillWidth: true
                            label: "High-level limit"; unit: "%"; from: 50; to: 100
                            variable: levelLimit; connected: plc.connected
                        }
                    }
                }

                Card {
                    title: "Trend"
                    Layout.fillWidth: true
                    Layout.fillHeight: true
                    RowLayout {
                        anchors.fill: parent
                        spacing: 12
                        TrendChart {
                            objectName: "levelTrend"
                            Layout.fillWidth: true
                            Layout.fillHeight: true
                            label: "Level"; unit: "%"; span: 60; minimum: 0; maximum: 100
                            variable: level
                        }
                        TrendChart {
                            Layout.fillWidth: true
                            Layout.fillHeight: true
                            label: "Temperature"; unit: "°C"; span: 60
                            variable: temperature
                        }
                    }
                }
            }
        }
    }
}
