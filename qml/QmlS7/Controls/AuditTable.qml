pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls.Basic
import QmlS7

// The write audit trail of an S7History, newest first: when each write was attempted, who
// made it, the tag, the old and the new value, and its outcome: confirmed (the PLC took it),
// refused, invalid or not sent (in the alarm colour), unknown (in the warning colour: the
// link went while the write was on its way), or pending while it is. The bar above filters
// by tag and by user: pick one of those seen in the trail, or type a name and press Enter.
// `model` is an S7HistoryModel of writes (the bar sets its filters); without one, the table
// has its own on `history`.
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
    // The tags and users seen in the trail so far, sorted: the filters' choices.
    readonly property var tags: _tags
    readonly property var users: _users

    property var _tags: []
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
        if (v === null || v === undefined)
            return Theme.invalidText
        if (typeof v === "number")
            return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(7)))
        return String(v)
    }
    function outcomeText(outcome) {
        switch (outcome) {
        case "confirmed": return qsTr("confirmed")
        case "refused": return qsTr("refused")
        case "invalid": return qsTr("invalid")
        case "not_sent": return qsTr("not sent")
        case "unknown": return qsTr("unknown")
        case null: case undefined: case "": return qsTr("pending")
        default: return String(outcome)
        }
    }
    function outcomeColor(outcome) {
        switch (outcome) {
        case "confirmed": return Theme.text
        case "unknown": return Theme.warning
        case null: case undefined: case "": return Theme.textMuted
        default: return Theme.alarm
        }
    }
    // Only `tag` / `user` ("" = all).
    function filter(tag, user) {
        const m = root.usedModel
        if (!m)
            return
        m.tag = tag
        m.user = user
    }

    // Adds the tags and users of the rows shown to the filters' choices.
    function _collect() {
        const m = root.usedModel
        if (!m)
            return
        const tags = new Set(root._tags)
        const users = new Set(root._users)
        for (let i = 0; i < m.count; ++i) {
            const row = m.get(i)
            if (row.tag)
                tags.add(row.tag)
            if (row.user)
                users.add(row.user)
        }
        if (tags.size !== root._tags.length)
            root._tags = Array.from(tags).sort()
        if (users.size !== root._users.length)
            root._users = Array.from(users).sort()
    }

    padding: 0
    implicitWidth: 720
    implicitHeight: 320

    Instantiator {
        id: ownModel
        active: root.model === null
        delegate: S7HistoryModel { history: root.history; events: S7HistoryModel.Writes }
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

    // Column widths: when, who, tag, old -> new, outcome; tag and outcome (with the reason of
    // a failure under it) share what is left.
    readonly property real _rest: Math.max(270, width - 150 - 100 - 150 - 6 * Theme.padding)
    readonly property var columnWidths: [150, 100, Math.max(140, Math.round(_rest * 0.45)), 150,
                                         _rest - Math.max(140, Math.round(_rest * 0.45))]

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
                objectName: "tagFilter"
                allText: qsTr("All tags")
                choices: root.tags
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
                    model: [qsTr("When"), qsTr("Who"), qsTr("Tag"), qsTr("Old \u2192 new"), qsTr("Outcome")]
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
                text: root.usedModel && root.usedModel.history ? qsTr("No writes") : qsTr("No history")
                color: Theme.textMuted
                font.pixelSize: Theme.fontNormal
            }

            delegate: Rectangle {
                id: row
                // Roles through `model`, as in AlarmTable.
                required property var model
                required property int index
                readonly property var outcome: model.outcome
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
                        objectName: "who"
                        width: root.columnWidths[1]
                        anchors.verticalCenter: parent.verticalCenter
                        text: row.model.user || Theme.invalidText
                        color: Theme.text
                        font.pixelSize: Theme.fontNormal
                        elide: Text.ElideRight
                    }
                    Text {
                        objectName: "tag"
                        width: root.columnWidths[2]
                        anchors.verticalCenter: parent.verticalCenter
                        text: row.model.tag
                        color: Theme.text
                        font.pixelSize: Theme.fontNormal
                        elide: Text.ElideRight
                    }
                    Text {
                        objectName: "change"
                        width: root.columnWidths[3]
                        anchors.verticalCenter: parent.verticalCenter
                        text: root.valueText(row.model.old) + " \u2192 " + root.valueText(row.model.new)
                        color: Theme.text
                        font.pixelSize: Theme.fontNormal
                        elide: Text.ElideRight
                    }
                    Column {
                        width: root.columnWidths[4]
                        anchors.verticalCenter: parent.verticalCenter
                        Text {
                            objectName: "outcome"
                            width: parent.width
                            text: root.outcomeText(row.outcome)
                            color: root.outcomeColor(row.outcome)
                            font.pixelSize: Theme.fontNormal
                            font.bold: row.outcome !== "confirmed"
                            font.italic: !row.outcome
                            elide: Text.ElideRight
                        }
                        Text {  // why it failed
                            objectName: "detail"
                            width: parent.width
                            visible: text.length > 0
                            text: row.model.detail || ""
                            color: Theme.textMuted
                            font.pixelSize: Theme.fontSmall
                            elide: Text.ElideRight
                        }
                    }
                }
            }
        }
    }
}
