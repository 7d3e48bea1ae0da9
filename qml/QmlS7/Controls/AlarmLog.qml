pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls.Basic
import QmlS7

// The alarm history of an S7History, newest first: when each event happened, the alarm (its
// text with the value at the time), the event (came in the alarm colour, went, acknowledged,
// shelved, unshelved), the source's value and the operator who acknowledged or shelved. The
// bar above filters by alarm and by user: pick one of those seen, or type a name and press
// Enter. `model` is an S7HistoryModel of alarm events (the bar sets its filters); without
// one, the log has its own on `history`.
Control {
    id: root

    property S7HistoryModel model: null
    property S7History history: null
    // Rows are touch-sized: never below 40 px.
    property int rowHeight: 44
    property bool showFilterBar: true

    readonly property S7HistoryModel usedModel: model ? model : ownModel.object as S7HistoryModel
    readonly property alias listView: list
    readonly property int rowCount: usedModel ? usedModel.count : 0
    // The alarms and users seen in the log so far, sorted: the filters' choices.
    readonly property var alarms: _alarms
    readonly property var users: _users

    property var _alarms: []
    property var _users: []

    // hh:mm:ss today, with the date before today; "--" for never.
    function timeText(ms) {
        if (!(ms > 0))
            return Theme.invalidText
        const when = new Date(ms)
        const today = new Date().toDateString() === when.toDateString()
        return Qt.formatDateTime(when, today ? "hh:mm:ss" : "yyyy-MM-dd hh:mm:ss")
    }
    // A value as the operator reads it: numbers to 7 digits (a REAL's float), "--" for none.
    function valueText(v) {
        if (v === null || v === undefined || v === "")
            return Theme.invalidText
        if (typeof v === "number")
            return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(7)))
        return String(v)
    }
    function eventText(event) {
        switch (event) {
        case "came": return qsTr("came")
        case "went": return qsTr("went")
        case "acknowledged": return qsTr("acknowledged")
        case "shelved": return qsTr("shelved")
        case "unshelved": return qsTr("unshelved")
        default: return String(event)
        }
    }
    function eventColor(event) {
        switch (event) {
        case "came": return Theme.alarm
        case "went": return Theme.ok
        case "shelved": case "unshelved": return Theme.textMuted
        default: return Theme.text
        }
    }
    // Only `alarm` / `user` ("" = all).
    function filter(alarm, user) {
        const m = root.usedModel
        if (!m)
            return
        m.tag = alarm
        m.user = user
    }

    // Adds the alarms and users of the rows shown to the filters' choices.
    function _collect() {
        const m = root.usedModel
        if (!m)
            return
        const alarms = new Set(root._alarms)
        const users = new Set(root._users)
        for (let i = 0; i < m.count; ++i) {
            const row = m.get(i)
            if (row.alarm)
                alarms.add(row.alarm)
            if (row.user)
                users.add(row.user)
        }
        if (alarms.size !== root._alarms.length)
            root._alarms = Array.from(alarms).sort()
        if (users.size !== root._users.length)
            root._users = Array.from(users).sort()
    }

    padding: 0
    implicitWidth: 720
    implicitHeight: 320

    Instantiator {
        id: ownModel
        active: root.model === null
        delegate: S7HistoryModel { history: root.history; events: S7HistoryModel.AlarmEvents }
    }

    Connections {
        target: root.usedModel
        function onCountChanged() { root._collect() }
        function onRefreshed() { root._collect() }
    }
    onUsedModelChanged: root._collect()

    background: Rectangle {
        color: Theme.surface
        radius: Theme.radius
        border.width: Theme.borderWidth
        border.color: Theme.border
    }

    // Column widths: when, alarm (the rest), event, value, user.
    readonly property var columnWidths: [150, Math.max(100, width - 150 - 120 - 80 - 100 - 6 * Theme.padding), 120, 80, 100]

    // A filter: one of the choices (the first: all), or a name typed and Enter pressed.
    component FilterBox: ComboBox {
        id: box
        property string allText
        property var choices: []
        property string current: ""
        signal chosen(string value)
        anchors.verticalCenter: parent ? parent.verticalCenter : undefined
        implicitHeight: 40
        width: 200
        editable: true
        font.pixelSize: Theme.fontNormal
        model: [box.allText].concat(box.choices)
        currentIndex: box.current.length > 0 ? box.model.indexOf(box.current) : 0
        onActivated: index => box.chosen(index <= 0 ? "" : box.model[index])
        onAccepted: box.chosen(box.editText === box.allText ? "" : box.editText.trim())
    }

    contentItem: Column {

        Row {
            id: bar
            objectName: "filterBar"
            visible: root.showFilterBar
            height: visible ? 48 : 0
            x: Theme.padding
            spacing: Theme.spacing

            FilterBox {
                objectName: "alarmFilter"
                width: 260
                allText: qsTr("All alarms")
                choices: root.alarms
                current: root.usedModel ? root.usedModel.tag : ""
                onChosen: value => { if (root.usedModel) root.usedModel.tag = value }
            }
            FilterBox {
                objectName: "userFilter"
                allText: qsTr("All users")
                choices: root.users
                current: root.usedModel ? root.usedModel.user : ""
                onChosen: value => { if (root.usedModel) root.usedModel.user = value }
            }
            Button {
                objectName: "refresh"
                anchors.verticalCenter: parent.verticalCenter
                implicitHeight: 40
                text: qsTr("Refresh")
                font.pixelSize: Theme.fontNormal
                enabled: root.usedModel !== null
                onClicked: root.usedModel.refresh()
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
                    model: [qsTr("When"), qsTr("Alarm"), qsTr("Event"), qsTr("Value"), qsTr("User")]
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
                text: root.usedModel && root.usedModel.history ? qsTr("No alarm events") : qsTr("No history")
                color: Theme.textMuted
                font.pixelSize: Theme.fontNormal
            }

            delegate: Rectangle {
                id: row
                // Roles through `model`, as in AlarmTable.
                required property var model
                required property int index
                objectName: "row" + index
                width: ListView.view.width
                height: Math.max(40, root.rowHeight)
                color: index % 2 === 0 ? Theme.surface : Qt.tint(Theme.surface, Qt.alpha(Theme.background, 0.6))

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
                        objectName: "when"
                        width: root.columnWidths[0]
                        anchors.verticalCenter: parent.verticalCenter
                        text: root.timeText(row.model.ts)
                        color: Theme.text
                        font.pixelSize: Theme.fontNormal
                        font.family: "monospace"
                        elide: Text.ElideRight
                    }
                    Text {
                        objectName: "text"
                        width: root.columnWidths[1]
                        anchors.verticalCenter: parent.verticalCenter
                        text: row.model.text || row.model.alarm
                        color: Theme.text
                        font.pixelSize: Theme.fontNormal
                        elide: Text.ElideRight
                    }
                    Text {
                        objectName: "event"
                        width: root.columnWidths[2]
                        anchors.verticalCenter: parent.verticalCenter
                        text: root.eventText(row.model.event)
                        color: root.eventColor(row.model.event)
                        font.pixelSize: Theme.fontNormal
                        font.bold: row.model.event === "came"
                        elide: Text.ElideRight
                    }
                    Text {
                        objectName: "value"
                        width: root.columnWidths[3]
                        anchors.verticalCenter: parent.verticalCenter
                        text: root.valueText(row.model.value)
                        color: Theme.text
                        font.pixelSize: Theme.fontNormal
                        elide: Text.ElideRight
                    }
                    Text {
                        objectName: "user"
                        width: root.columnWidths[4]
                        anchors.verticalCenter: parent.verticalCenter
                        text: row.model.user || ""
                        color: Theme.text
                        font.pixelSize: Theme.fontNormal
                        elide: Text.ElideRight
                    }
                }
            }
        }
    }
}
