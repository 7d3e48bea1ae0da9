// The qml-s7 demo: an operator panel for a heated tank (qml_s7/simulator/process.py is the
// process). Every value comes from the PLC; every button writes to it. The variables use the
// PLC project's tag names: the tank's data block as TIA Portal writes its source (Tank.db)
// and the PLC tag table it exports (PLC tags.xlsx); the Tags button browses them. The tank's
// high-level and dry-run conditions are S7Alarms (ISA-18.2): the banner under the header shows
// the one that needs the operator most, the Alarms button opens the alarm page, and the PLC
// button the link's diagnostics and, on the embedded simulator, the CPU's mode switch.
// An S7History logs the level, the temperature and the setpoints on change (with a deadband),
// every alarm event and every write: the trends open with the past hour (zoom and drag them
// into the past), the alarm page shows the alarm history too, and the Audit button who wrote
// what and whether the PLC took it.
//
// It fills whatever window it gets, from a 7-inch 800x480 operator panel to 1920x1080: the
// cards keep their arrangement, the tank and the trends take the room that is left. Small
// screens (under 1000x660 page pixels) tighten the margins, drop the card titles, thin the
// banner and leave the diagnostics strip to the PLC page; above 1280x720 everything is drawn
// larger (up to 1.5x) so that text and buttons keep their size on the glass. From 800x480 up, every button is at
// least 44 px high; a smaller window shrinks the whole page rather than cut anything off.
//
// With `qml-s7 demo --gateway` the same panel reads the tank through an MQTT broker: a gateway
// (Gateway.qml, a process of its own) holds the one connection to the PLC, and the variables
// use an S7RemoteClient instead of the S7Client (`broker` set: see `link`).
pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import QmlS7
import QmlS7.Controls

ApplicationWindow {
    id: window
    width: 1024
    height: 600
    visible: true
    color: Theme.background
    title: "qml-s7 demo: tank T-101 on " + (remote ? "the gateway " + gateway + " at " : "")
           + (link ? link.hostname + ":" + link.port : "")

    // Set by `qml-s7 demo`: where the PLC (or the embedded simulator) listens.
    property string plcHost: "127.0.0.1"
    property int plcPort: 102
    property int plcRack: 0
    property int plcSlot: 1
    // The embedded simulator's mode switch (stop(), run()); null on a real PLC.
    property var simulator: null
    // The history file; "" = history.sqlite in the application's data folder.
    property string historyFile: ""
    // Set by `qml-s7 demo --gateway`: the broker (mqtt://host:port) and the name of the
    // gateway that publishes the tank; "" = the panel connects to the PLC itself.
    property string broker: ""
    property string gateway: "demo"

    // Where the variables read and write: `plc`, or, with a broker, `remote`: an S7RemoteClient
    // (made only then) that shares the gateway's PLC connection with every other panel.
    readonly property bool remote: broker !== ""
    readonly property var link: remote ? remoteLoader.item : plc

    // Layout metrics, in the page's (unzoomed) pixels.
    readonly property bool compact: page.width < 1000 || page.height < 660
    readonly property int gap: compact ? 8 : 12
    readonly property int touch: 44     // the height of every button: a fingertip, not a cursor

    S7Client {
        id: plc
        objectName: "plc"
        hostname: window.plcHost
        port: window.plcPort
        rack: window.plcRack
        slot: window.plcSlot
        pollInterval: 200       // every variable, five times a second, in one batch
        autoConnect: !window.remote     // through a gateway: no connection of the panel's own

        // The PLC project's tags: TIA sources carry no DB numbers, so the demo maps its DB.
        S7TagTable {
            id: tags
            objectName: "tags"
            files: ["Tank.db", "PLC tags.xlsx"]
            dbNumbers: ({ "Tank": 1 })
        }

        // Each variable reads and writes through `link`: this S7Client, or the gateway's
        // S7RemoteClient, which knows the same tag names from the gateway's catalog.
        // Commands
        S7Variable { id: pump; objectName: "pump"; client: window.link; name: '"Tank".Pump' }
        S7Variable { id: valve; objectName: "valve"; client: window.link; name: '"Tank".DrainValve' }
        S7Variable { id: heater; objectName: "heater"; client: window.link; name: '"Tank".Heater' }
        S7Variable { id: ack; objectName: "ack"; client: window.link; name: '"Tank".Ack' }
        // The setpoints: every change is a row of the history (and every write one of the audit).
        S7Variable {
            id: levelLimit; objectName: "levelLimit"; client: window.link; name: '"Tank".LevelLimit'
            logging.mode: S7Logging.OnChange
        }
        S7Variable {
            id: tempSetpoint; objectName: "tempSetpoint"; client: window.link; name: '"Tank".TempSetpoint'
            logging.mode: S7Logging.OnChange
        }
        S7Variable {
            id: pumpSpeed; objectName: "pumpSpeed"; client: window.link; name: '"Tank".PumpSpeed'
            logging.mode: S7Logging.OnChange
        }
        // Process values, logged when they move more than a deadband, and once a minute
        // while they hold (so a flat line still says the link was there).
        S7Variable {
            id: level; objectName: "level"; client: window.link; name: '"Tank".Level'
            Polling on data { interval: 100 }   // the level faster than the rest
            logging.mode: S7Logging.OnChange
            logging.deadband: 0.5               // %
            logging.maxGap: 60000
        }
        S7Variable {
            id: temperature; objectName: "temperature"; client: window.link; name: '"Tank".Temperature'
            logging.mode: S7Logging.OnChange
            logging.deadband: 0.2               // °C
            logging.maxGap: 60000
        }
        S7Variable { id: alarm; objectName: "alarm"; client: window.link; name: '"Tank".Alarm' }
        S7Variable { id: interlock; objectName: "interlock"; client: window.link; name: '"Tank".DryRunInterlock' }
        S7Variable { id: hours; objectName: "hours"; client: window.link; name: '"Tank".RunningHours' }
        S7Variable { id: inflow; objectName: "inflow"; client: window.link; name: '"Tank".Inflow' }
        S7Variable { id: outflow; objectName: "outflow"; client: window.link; name: '"Tank".Outflow' }
        S7Variable { id: pumpRunning; objectName: "pumpRunning"; client: window.link; name: "Pump_Running" }
        S7Variable { id: valveOpen; objectName: "valveOpen"; client: window.link; name: "Valve_Open" }
        S7Variable { id: heaterOn; objectName: "heaterOn"; client: window.link; name: "Heater_On" }
        S7Variable { id: heartbeat; objectName: "heartbeat"; client: window.link; name: "Heartbeat" }
        // The tag picked in the browser, read live; enabled only while the browser is open.
        S7Variable { id: picked; objectName: "picked"; client: window.link; enabled: browser.opened && name !== "" }

        // Alarms. The high-level one mirrors the PLC's latch (DB1.DBX1.0) with the value in
        // its text; acknowledging it also pulses the PLC's Ack bit, which resets the latch.
        // A lost link raises the client's own communication alarm (plc.commAlarm).
        S7Alarm {
            id: levelHigh
            objectName: "levelHighAlarm"
            source: level
            kind: S7Alarm.High
            limit: levelLimit.valid ? levelLimit.data : 90
            hysteresis: 2
            onDelay: 500
            text: "Level high: %1 % (limit %2 %)"
            decimals: 1
            priority: 1
            group: "Tank"
            ackVariable: ack
        }
        S7Alarm {
            id: dryRun
            objectName: "dryRunAlarm"
            source: interlock
            text: "Dry-run protection: heater blocked, level under 10 %"
            priority: 2
            group: "Tank"
        }
    }

    // The gateway's values, with `qml-s7 demo --gateway` only (made when `broker` is set).
    Loader {
        id: remoteLoader
        active: window.remote
        sourceComponent: S7RemoteClient {
            objectName: "remote"
            broker: window.broker
            gateway: window.gateway
        }
    }

    // Every alarm of the panel, for the banner, the alarm page and the Alarms button.
    S7AlarmModel { id: alarms; objectName: "alarms"; currentOnly: true }

    // The history: the logged values, every alarm event and every write, in one SQLite file.
    S7History {
        id: tankHistory
        objectName: "history"
        file: window.historyFile
    }

    // A titled frame around one item (a layout or a widget), sized by that item's implicit size
    // so that the layouts around it know how much room it needs.
    component Card: Rectangle {
        id: card
        default property alias content: inner.data
        property string title
        property int pad: 12
        readonly property Item body: inner.children.length > 0 ? inner.children[0] : null
        color: Theme.surface
        border.color: Theme.border
        radius: 6
        implicitWidth: (body ? body.implicitWidth : 0) + 2 * pad
        implicitHeight: inner.anchors.topMargin + (body ? body.implicitHeight : 0) + pad
        Label {
            id: heading
            x: card.pad
            y: card.pad - 4
            visible: card.title.length > 0
            text: card.title
            font.bold: true
            color: Theme.text
        }
        Item {
            id: inner
            anchors { fill: parent
                      topMargin: heading.visible ? heading.y + heading.height + card.pad - 4 : card.pad
                      leftMargin: card.pad; rightMargin: card.pad; bottomMargin: card.pad }
        }
    }

    // How the link is doing: the PLC's heartbeat and the client's live figures.
    component DiagnosticsStrip: RowLayout {
        spacing: window.gap
        IndicatorLamp {
            objectName: "heartbeatLamp"
            label: "heartbeat " + (heartbeat.valid ? heartbeat.data : "--")
            value: heartbeat.valid && heartbeat.data % 2 === 0
            valid: heartbeat.valid
        }
        ClientDiagnostics {
            objectName: "diagnostics"
            Layout.fillWidth: true
            visible: !window.remote
            client: plc
        }
        Label {     // through a gateway, the PLC link and its figures are the gateway's
            objectName: "gatewayNote"
            Layout.fillWidth: true
            visible: window.remote
            elide: Text.ElideRight
            color: Theme.textMuted
            text: "Through the gateway " + window.gateway + " at " + window.broker
                  + ": one PLC connection for every panel"
        }
    }

    // A page over the panel: a title, a Close button and the content under them. Sized to
    // the window, so it fits a 7-inch panel too.
    component Page: Popup {
        id: sheet
        default property alias content: body.data
        property alias tools: tools.data    // items in the title line, before Close
        property string title
        parent: Overlay.overlay
        anchors.centerIn: parent
        width: Math.min(parent.width - 2 * window.gap, 960)
        height: parent.height - 2 * window.gap
        modal: true
        padding: window.gap
        background: Rectangle { color: Theme.background; border.color: Theme.border; radius: 6 }
        ColumnLayout {
            anchors.fill: parent
            spacing: window.gap
            RowLayout {
                Layout.fillWidth: true
                Label {
                    Layout.fillWidth: true
                    text: sheet.title
                    font.pixelSize: 20
                    font.bold: true
                    color: Theme.text
                    elide: Text.ElideRight
                }
                RowLayout {
                    id: tools
                    spacing: window.gap
                }
                Button {
                    objectName: sheet.objectName + "Close"
                    Layout.preferredHeight: window.touch
                    text: "Close"
                    onClicked: sheet.close()
                }
            }
            Item {
                id: body
                Layout.fillWidth: true
                Layout.fillHeight: true
            }
        }
    }

    // Everything, laid out in page pixels; the page is zoomed to the window.
    Item {
        id: page
        objectName: "page"
        // Below 800x480 the page shrinks to fit rather than cut anything off; above 1280x720
        // it grows (at most 1.5x) so that a large panel is not a sea of small print.
        readonly property real zoom: {
            const small = Math.min(parent.width / 800, parent.height / 480)
            if (small < 1)
                return Math.max(0.1, small)
            return Math.max(1, Math.min(1.5, parent.width / 1280, parent.height / 720))
        }
        width: parent.width / zoom
        height: parent.height / zoom
        scale: zoom
        transformOrigin: Item.TopLeft

        ColumnLayout {
            anchors.fill: parent
            anchors.margins: window.gap
            spacing: window.gap

            // Header: which PLC, and whether we are talking to it.
            RowLayout {
                Layout.fillWidth: true
                spacing: window.gap
                Label {
                    text: "Tank T-101"
                    font.pixelSize: 22
                    font.bold: true
                    color: Theme.text
                }
                Label {
                    Layout.fillWidth: true
                    color: Theme.textMuted
                    elide: Text.ElideRight
                    text: window.remote ? "through the gateway " + window.gateway
                          : plc.connected
                          ? plc.moduleTypeName + "  ·  " + plc.serialNumber + "  ·  PDU " + plc.pduLength
                          : ""
                }
                ConnectionBadge {
                    objectName: "badge"
                    Layout.maximumWidth: page.width / 2
                    client: window.link
                }
            }

            // The alarm that needs the operator most, with its Acknowledge; then the pages.
            RowLayout {
                Layout.fillWidth: true
                spacing: window.gap
                AlarmBanner {
                    objectName: "banner"
                    Layout.fillWidth: true
                    // one line's height on small screens (its buttons keep 40 px)
                    Layout.preferredHeight: window.compact ? window.touch : implicitHeight
                    verticalPadding: window.compact ? 2 : Theme.padding
                    model: alarms
                }
                Button {
                    objectName: "alarmsButton"
                    Layout.preferredHeight: window.touch
                    text: alarms.unacknowledgedCount > 0 ? "Alarms (" + alarms.unacknowledgedCount + ")"
                                                         : "Alarms"
                    onClicked: alarmPage.open()
                }
                Button {
                    objectName: "plcButton"
                    Layout.preferredHeight: window.touch
                    text: "PLC"
                    onClicked: plcPage.open()
                }
                Button {
                    objectName: "tagsButton"
                    Layout.preferredHeight: window.touch
                    text: "Tags"
                    onClicked: browser.open()
                }
                Button {
                    objectName: "auditButton"
                    Layout.preferredHeight: window.touch
                    text: "Audit"
                    onClicked: auditPage.open()
                }
            }

            RowLayout {
                Layout.fillWidth: true
                Layout.fillHeight: true
                spacing: window.gap

                // The tank itself, drawn from the level; it takes the height that is left.
                Card {
                    title: "Tank"
                    pad: window.gap
                    Layout.preferredWidth: window.compact ? 120 : Math.round(page.width * 0.17)
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
                    spacing: window.gap

                    RowLayout {
                        Layout.fillWidth: true
                        Layout.fillHeight: false
                        spacing: window.gap
                        uniformCellSizes: true
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
                        NumericDisplay {
                            Layout.fillWidth: true
                            label: "Running hours"; unit: "h"; variable: hours
                        }
                    }

                    RowLayout {
                        Layout.fillWidth: true
                        Layout.fillHeight: false    // layouts fill by default: the trend takes it
                        spacing: window.gap
                        Card {
                            title: window.compact ? "" : "Operation"   // small screens: the buttons say it
                            pad: window.gap
                            Layout.fillWidth: true
                            Layout.fillHeight: true
                            Layout.minimumHeight: implicitHeight
                            // A button per command, with the PLC's feedback under it.
                            GridLayout {
                                anchors.fill: parent
                                columns: 3
                                columnSpacing: window.gap
                                rowSpacing: 4
                                uniformCellWidths: true
                                ToggleButton {
                                    objectName: "pumpButton"
                                    Layout.fillWidth: true
                                    Layout.preferredHeight: window.touch
                                    text: "Pump"; variable: pump
                                }
                                ToggleButton {
                                    objectName: "valveButton"
                                    Layout.fillWidth: true
                                    Layout.preferredHeight: window.touch
                                    text: "Drain valve"; variable: valve
                                }
                                ToggleButton {
                                    objectName: "heaterButton"
                                    Layout.fillWidth: true
                                    Layout.preferredHeight: window.touch
                                    text: "Heater"; variable: heater
                                }
                                IndicatorLamp {
                                    Layout.alignment: Qt.AlignHCenter
                                    label: "running"; variable: pumpRunning
                                }
                                IndicatorLamp {
                                    Layout.alignment: Qt.AlignHCenter
                                    label: "open"; variable: valveOpen
                                }
                                IndicatorLamp {
                                    Layout.alignment: Qt.AlignHCenter
                                    // The dry-run interlock in the Alarms card says why.
                                    label: interlock.valid && interlock.data ? "blocked" : "on"
                                    variable: heaterOn
                                }
                            }
                        }
                        Card {
                            title: window.compact ? "" : "Alarms"
                            pad: window.gap
                            Layout.fillHeight: true
                            Layout.minimumHeight: implicitHeight
                            GridLayout {
                                anchors.fill: parent
                                columns: 2
                                columnSpacing: window.gap
                                rowSpacing: 4
                                Button {
                                    objectName: "acknowledgeAllAlarms"  // the alarm page's table has an "acknowledgeAll" of its own
                                    Layout.columnSpan: 2
                                    Layout.fillWidth: true
                                    Layout.preferredHeight: window.touch
                                    text: "Acknowledge all"
                                    enabled: alarms.unacknowledgedCount > 0
                                    onClicked: alarms.acknowledgeAll("")
                                }
                                // The PLC's own bits, which the alarms above follow.
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
                            }
                        }
                    }

                    // The lesser card: it shrinks to what is left (and on a small screen gives
                    // its title to the charts, which name themselves).
                    Card {
                        title: window.compact ? "" : "Trend"
                        pad: window.gap
                        Layout.fillWidth: true
                        Layout.fillHeight: true
                        RowLayout {
                            anchors.fill: parent
                            spacing: window.gap
                            // The past hour from the history, the live tail from the PLC.
                            TrendChart {
                                objectName: "levelTrend"
                                Layout.fillWidth: true
                                Layout.fillHeight: true
                                label: "Level"; unit: "%"; span: 3600; minimum: 0; maximum: 100
                                variable: level
                                history: tankHistory
                                // small screens: the plot gets the height (fingers also pinch)
                                padding: window.compact ? 4 : Theme.padding
                                buttonHeight: window.compact ? 22 : 28
                            }
                            TrendChart {
                                objectName: "temperatureTrend"
                                Layout.fillWidth: true
                                Layout.fillHeight: true
                                label: "Temperature"; unit: "°C"; span: 3600
                                variable: temperature
                                history: tankHistory
                                padding: window.compact ? 4 : Theme.padding
                                buttonHeight: window.compact ? 22 : 28
                            }
                        }
                    }
                }
            }

            Card {
                title: window.compact ? "" : "Setpoints"
                pad: window.gap
                Layout.fillWidth: true
                Layout.minimumHeight: implicitHeight
                RowLayout {
                    anchors.fill: parent
                    spacing: window.gap
                    uniformCellSizes: true
                    SetpointControl {
                        objectName: "pumpSpeedControl"
                        Layout.fillWidth: true
                        label: "Pump speed"; unit: "%"; from: 0; to: 100
                        variable: pumpSpeed
                    }
                    SetpointControl {
                        objectName: "tempSetpointControl"
                        Layout.fillWidth: true
                        label: "Temperature"; unit: "°C"; from: 20; to: 90; decimals: 1
                        variable: tempSetpoint
                    }
                    SetpointControl {
                        objectName: "levelLimitControl"
                        Layout.fillWidth: true
                        label: "High-level limit"; unit: "%"; from: 50; to: 100
                        variable: levelLimit
                    }
                }
            }

            // The diagnostics strip, where the screen has room for it (else on the PLC page).
            Loader {
                objectName: "stripLoader"
                Layout.fillWidth: true
                active: !window.compact
                visible: active
                sourceComponent: DiagnosticsStrip { }
            }
        }
    }

    // The tag browser: every tag of the PLC project, filtered as you type; the picked one is
    // read live. Sized to the page, so it fits a 7-inch panel too.
    Popup {
        id: browser
        objectName: "browser"
        parent: Overlay.overlay
        anchors.centerIn: parent
        width: Math.min(parent.width - 2 * window.gap, 760)
        height: parent.height - 2 * window.gap
        modal: true
        padding: window.gap
        onOpened: filter.forceActiveFocus()
        background: Rectangle { color: Theme.surface; border.color: Theme.border; radius: 6 }

        ColumnLayout {
            anchors.fill: parent
            spacing: window.gap / 2
            RowLayout {
                Layout.fillWidth: true
                Label { text: "Tags of the PLC project"; font.bold: true; color: Theme.text }
                Label {
                    Layout.fillWidth: true
                    color: tags.error !== 0 ? Theme.alarm : Theme.textMuted
                    elide: Text.ElideRight
                    text: tags.error !== 0 ? tags.errorString
                                           : list.count + " of " + tags.count + " tags"
                }
                Button {
                    objectName: "closeTags"
                    Layout.preferredHeight: window.touch
                    text: "Close"
                    onClicked: browser.close()
                }
            }
            TextField {
                id: filter
                objectName: "tagFilter"
                Layout.fillWidth: true
                Layout.preferredHeight: window.touch
                placeholderText: "Filter by name, address, type or comment"
                onTextChanged: tags.filter = text
            }
            ListView {
                id: list
                objectName: "tagList"
                Layout.fillWidth: true
                Layout.fillHeight: true
                clip: true
                model: tags.filtered
                ScrollBar.vertical: ScrollBar { }
                delegate: ItemDelegate {
                    id: row
                    required property string name
                    required property string address
                    required property string type
                    required property string comment
                    width: ListView.view.width
                    height: window.touch
                    highlighted: picked.name === row.name
                    onClicked: picked.name = row.name
                    contentItem: RowLayout {
                        spacing: window.gap
                        Label {
                            Layout.preferredWidth: list.width * 0.34
                            text: row.name; elide: Text.ElideRight; color: Theme.text
                        }
                        Label {
                            Layout.preferredWidth: list.width * 0.22
                            text: row.address; elide: Text.ElideRight; color: Theme.textMuted
                        }
                        Label {
                            Layout.fillWidth: true
                            text: row.comment; elide: Text.ElideRight; color: Theme.textMuted
                        }
                    }
                }
            }
            Label {
                objectName: "pickedValue"
                Layout.fillWidth: true
                elide: Text.ElideRight
                color: Theme.text
                text: picked.name === "" ? "Pick a tag to read it live."
                      : picked.name + " = " + (picked.valid ? picked.data : "--")
                        + "   (" + picked.s7Type + " at " + tags.find(picked.name).address + ")"
            }
        }
    }

    // The alarm page: every current alarm, newest first within each priority; acknowledge
    // one or all, filter by state and group. History switches to what happened before:
    // every alarm event from the history file.
    Page {
        id: alarmPage
        objectName: "alarmPage"
        title: "Alarms"
        property bool showHistory: false
        tools: [
            Button {
                objectName: "showCurrentAlarms"
                Layout.preferredHeight: window.touch
                text: "Now"
                checkable: true
                checked: !alarmPage.showHistory
                onClicked: alarmPage.showHistory = false
            },
            Button {
                objectName: "showAlarmHistory"
                Layout.preferredHeight: window.touch
                text: "History"
                checkable: true
                checked: alarmPage.showHistory
                onClicked: alarmPage.showHistory = true
            }
        ]
        AlarmTable {
            objectName: "alarmTable"
            anchors.fill: parent
            visible: !alarmPage.showHistory
            model: alarms
        }
        AlarmLog {
            objectName: "alarmLog"
            anchors.fill: parent
            visible: alarmPage.showHistory
            history: tankHistory
        }
    }

    // The audit page: every write of the panel, who made it and whether the PLC took it.
    Page {
        id: auditPage
        objectName: "auditPage"
        title: "Audit"
        AuditTable {
            objectName: "auditTable"
            anchors.fill: parent
            history: tankHistory
        }
    }

    // The PLC page: what the CPU is, how the link is doing, and (on the embedded simulator)
    // the CPU's mode switch, to see what STOP does to the values and the alarms.
    Page {
        id: plcPage
        objectName: "plcPage"
        title: "PLC"
        readonly property var identity: [
            ["Module", plc.moduleTypeName], ["Name", plc.moduleName],
            ["Serial number", plc.serialNumber],
            ["PDU", plc.pduLength > 0 ? plc.pduLength + " bytes" : ""],
            ["Parallel jobs", plc.parallelJobs > 0 ? String(plc.parallelJobs) : ""]
        ]
        ColumnLayout {
            anchors.fill: parent
            spacing: window.gap
            ConnectionBadge { client: window.link }
            GridLayout {
                columns: 2
                columnSpacing: window.gap * 2
                rowSpacing: 4
                Repeater {
                    model: plcPage.identity
                    delegate: Label {
                        required property var modelData
                        required property int index
                        Layout.row: index
                        Layout.column: 0
                        text: modelData[0]
                        color: Theme.textMuted
                    }
                }
                Repeater {
                    model: plcPage.identity
                    delegate: Label {
                        required property var modelData
                        required property int index
                        Layout.row: index
                        Layout.column: 1
                        text: modelData[1].length > 0 ? modelData[1] : Theme.invalidText
                        color: Theme.text
                    }
                }
            }
            DiagnosticsStrip { Layout.fillWidth: true }
            RowLayout {
                spacing: window.gap
                Label {
                    text: window.simulator ? "CPU mode (embedded simulator):"
                                           : "A real CPU is switched at the PLC or in TIA Portal."
                    color: Theme.textMuted
                }
                Button {
                    objectName: "cpuStop"
                    visible: window.simulator !== null
                    Layout.preferredHeight: window.touch
                    text: "STOP"
                    enabled: plc.cpuState !== S7Client.Stop
                    onClicked: window.simulator.stop()
                }
                Button {
                    objectName: "cpuRun"
                    visible: window.simulator !== null
                    Layout.preferredHeight: window.touch
                    text: "RUN"
                    enabled: plc.cpuState !== S7Client.Run
                    onClicked: window.simulator.run()
                }
            }
            Item { Layout.fillHeight: true }
        }
    }
}
