pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls.Basic
import QmlS7

// The alarms in a table: when each came, priority, group, the text with the value and the
// state, sorted by priority (1 first), then newest first; an Acknowledge button per row. The
// bar above chooses what is shown (current alarms, active ones, unacknowledged ones, all)
// and a group, and acknowledges every alarm of the group shown. Colours as in AlarmBanner:
// unacknowledged rows blink in their priority's colour, acknowledged ones are steady, a "?"
// marks a condition that is unknown. `model` is an S7AlarmModel (the bar sets its filters);
// without one, the table has its own of every alarm of the application, current ones shown.
Control {
    id: root

    property S7AlarmModel model: null
    property var priorityColors: [Theme.alarm, Theme.warning]
    property int blinkInterval: Theme.blinkInterval
    // Rows are touch-sized: never below 40 px.
    property int rowHeight: 44
    property bool showFilterBar: true

    readonly property S7AlarmModel usedModel: model ? model : ownModel.object as S7AlarmModel
    readonly property alias listView: list
    readonly property int rowCount: usedModel ? usedModel.count : 0

    property bool _blinkPhase: true

    function colorOf(priority) {
        const colors = root.priorityColors
        return colors[Math.max(0, Math.min(priority, colors.length) - 1)]
    }
    function stateName(state) {
        switch (state) {
        case S7Alarm.Unacknowledged: return qsTr("unacknowledged")
        case S7Alarm.Acknowledged: return qsTr("acknowledged")
        case S7Alarm.ReturnedUnacknowledged: return qsTr("gone, unacknowledged")
        case S7Alarm.Shelved: return qsTr("shelved")
        default: return qsTr("normal")
        }
    }
    // hh:mm:ss today, with the date before today; "--" for never.
    function timeText(ms) {
        if (ms <= 0)
            return Theme.invalidText
        const when = new Date(ms)
        const today = new Date().toDateString() === when.toDateString()
        return Qt.formatDateTime(when, today ? "hh:mm:ss" : "yyyy-MM-dd hh:mm")
    }
    // Show: "current" (not normal), "active", "unacknowledged" or "all".
    function showOnly(view) {
        const m = root.usedModel
        if (!m)
            return
        m.currentOnly = view === "current"
        m.activeOnly = view === "active"
        m.unacknowledgedOnly = view === "unacknowledged"
    }
    readonly property string view: !usedModel ? "all"
                                   : usedModel.unacknowledgedOnly ? "unacknowledged"
                                   : usedModel.activeOnly ? "active"
                                   : usedModel.currentOnly ? "current" : "all"

    padding: 0
    implicitWidth: 640
    implicitHeight: 320

    Instantiator {
        id: ownModel
        active: root.model === null
        delegate: S7AlarmModel { currentOnly: true }
    }

    Timer {
        interval: Math.max(50, root.blinkInterval)
        repeat: true
        running: root.usedModel !== null && root.usedModel.unacknowledgedCount > 0
        onTriggered: root._blinkPhase = !root._blinkPhase
        onRunningChanged: if (!running) root._blinkPhase = true
    }

    background: Rectangle {
        color: Theme.surface
        radius: Theme.radius
        border.width: Theme.borderWidth
        border.color: Theme.border
    }

    // Column widths: came, priority, group, text (the rest), state, button.
    readonly property var columnWidths: [86, 40, 116, Math.max(80, width - 86 - 40 - 116 - 150 - 120 - 7 * Theme.padding), 150, 120]

    contentItem: Column {

        Row {
            id: bar
            objectName: "filterBar"
            visible: root.showFilterBar
            height: visible ? 48 : 0
            x: Theme.padding
            spacing: Theme.spacing

            Repeater {
                model: [["current", qsTr("Current")], ["active", qsTr("Active")],
                        ["unacknowledged", qsTr("Unacknowledged")], ["all", qsTr("All")]]
                delegate: Button {
                    required property var modelData
                    objectName: "show_" + modelData[0]
                    anchors.verticalCenter: parent.verticalCenter
                    implicitHeight: 40
                    text: modelData[1]
                    checkable: true
                    checked: root.view === modelData[0]
                    font.pixelSize: Theme.fontNormal
                    onClicked: root.showOnly(modelData[0])
                }
            }
            ComboBox {
                id: groupBox
                objectName: "group"
                anchors.verticalCenter: parent.verticalCenter
                implicitHeight: 40
                width: 150
                font.pixelSize: Theme.fontNormal
                model: [qsTr("All groups")].concat(root.usedModel ? root.usedModel.groups : [])
                currentIndex: root.usedModel && root.usedModel.group.length > 0
                              ? Math.max(0, model.indexOf(root.usedModel.group)) : 0
                onActivated: index => {
                    if (root.usedModel)
                        root.usedModel.group = index === 0 ? "" : model[index]
                }
            }
            Button {
                objectName: "acknowledgeAll"
                anchors.verticalCenter: parent.verticalCenter
                implicitHeight: 40
                text: qsTr("Acknowledge all")
                font.pixelSize: Theme.fontNormal
                enabled: root.usedModel !== null && root.usedModel.unacknowledgedCount > 0
                onClicked: root.usedModel.acknowledgeAll(root.usedModel.group)
            }
        }

        // Column titles
        Rectangle {
            width: parent.width
            height: 28
            color: Theme.background
            Row {
                x: Theme.padding
                height: parent.height
                spacing: Theme.padding
                Repeater {
                    model: [qsTr("Came"), qsTr("Prio"), qsTr("Group"), qsTr("Alarm"), qsTr("State"), ""]
                    delegate: Text {
                        required property string modelData
                        required property int index
                        width: root.columnWidths[index]
                        anchors.verticalCenter: parent.verticalCenter
                        text: modelData
                        color: Theme.textMuted
                        font.pixelSize: Theme.fontSmall
                        font.bold: true
                        elide: Text.ElideRight
                    }
                }
            }
        }

        ListView {
            id: list
            objectName: "rows"
            width: parent.width
            height: parent.height - bar.height - 28
            clip: true
            model: root.usedModel
            boundsBehavior: Flickable.StopAtBounds
            ScrollBar.vertical: ScrollBar {}

            Text {
                objectName: "empty"
                anchors.centerIn: parent
                visible: root.rowCount === 0
                text: qsTr("No alarms")
                color: Theme.textMuted
                font.pixelSize: Theme.fontNormal
            }

            delegate: Rectangle {
                id: row
                // Roles through `model`: `state` would clash with Item.state.
                required property var model
                required property int index
                readonly property S7Alarm alarm: model.alarm
                readonly property color tone: root.colorOf(model.priority)
                readonly property bool unacknowledged: !model.acknowledged
                readonly property bool lit: !unacknowledged || root._blinkPhase
                objectName: "row" + index
                width: ListView.view.width
                height: Math.max(40, root.rowHeight)
                // Active: tinted in the priority's colour, blinking strong/light while
                // unacknowledged; gone but unacknowledged: only the stripe blinks.
                color: model.shelved ? Theme.invalidFill
                     : !model.active ? Theme.surface
                     : Qt.tint(Theme.surface, Qt.alpha(tone, !unacknowledged ? 0.2 : lit ? 0.5 : 0.1))

                Rectangle {  // the priority's colour
                    width: 5
                    height: parent.height
                    color: row.lit && (row.model.active || row.unacknowledged) ? row.tone : "transparent"
                }
                Rectangle {
                    width: parent.width
                    height: 1
                    anchors.bottom: parent.bottom
                    color: Theme.border
                }

                Row {
                    x: Theme.padding
                    height: parent.height
                    spacing: Theme.padding
                    Text {
                        width: root.columnWidths[0]
                        anchors.verticalCenter: parent.verticalCenter
                        text: root.timeText(row.model.came)
                        color: Theme.text
                        font.pixelSize: Theme.fontNormal
                        font.family: "monospace"
                    }
                    Text {
                        width: root.columnWidths[1]
                        anchors.verticalCenter: parent.verticalCenter
                        text: row.model.priority
                        color: row.tone
                        font.pixelSize: Theme.fontNormal
                        font.bold: true
                        horizontalAlignment: Text.AlignHCenter
                    }
                    Text {
                        width: root.columnWidths[2]
                        anchors.verticalCenter: parent.verticalCenter
                        text: row.model.group
                        color: Theme.textMuted
                        font.pixelSize: Theme.fontNormal
                        elide: Text.ElideRight
                    }
                    Text {
                        objectName: "text"
                        width: root.columnWidths[3]
                        anchors.verticalCenter: parent.verticalCenter
                        text: row.model.text
                        color: row.model.shelved ? Theme.textMuted : Theme.text
                        font.pixelSize: Theme.fontNormal
                        font.bold: row.unacknowledged
                        elide: Text.ElideRight
                    }
                    Row {
                        width: root.columnWidths[4]
                        anchors.verticalCenter: parent.verticalCenter
                        spacing: 4
                        Text {
                            objectName: "unknownMark"
                            visible: !row.model.conditionKnown
                            text: "?"
                            color: Theme.text
                            font.pixelSize: Theme.fontNormal
                            font.bold: true
                            leftPadding: 5; rightPadding: 5
                            Rectangle {
                                anchors.fill: parent
                                z: -1
                                radius: Theme.radius
                                color: Theme.invalidFill
                                border.width: Theme.borderWidth
                                border.color: Theme.invalid
                            }
                        }
                        Text {
                            objectName: "state"
                            width: parent.width - (row.model.conditionKnown ? 0 : 24)
                            text: root.stateName(row.model.state)
                            color: row.model.shelved ? Theme.textMuted : Theme.text
                            font.pixelSize: Theme.fontSmall
                            elide: Text.ElideRight
                        }
                    }
                    Button {
                        objectName: "acknowledge"
                        width: root.columnWidths[5]
                        implicitHeight: 36
                        anchors.verticalCenter: parent.verticalCenter
                        visible: row.unacknowledged
                        text: qsTr("Acknowledge")
                        font.pixelSize: Theme.fontSmall
                        onClicked: row.alarm.acknowledge()
                    }
                }
            }
        }
    }
}
