import QtQuick
import QtQuick.Controls.Basic
import QmlS7

// One line for the alarm that needs the operator most: the newest unacknowledged alarm of the
// highest priority (without one, the newest active one), its text with the value, when it
// came, how many alarms await acknowledgement, and an Acknowledge button for it.
// Unacknowledged: blinks in its priority's colour; acknowledged: steady; gone but not yet
// acknowledged: blinks in outline; a condition that is unknown (its source is not good) is
// marked with "?". `model` is an S7AlarmModel (its `group` applies); without one, the banner
// shows every alarm of the application.
Control {
    id: root

    property S7AlarmModel model: null
    // Colours of priorities 1, 2, ...; higher numbers take the last.
    property var priorityColors: [Theme.alarm, Theme.warning]
    property int blinkInterval: Theme.blinkInterval
    property string noAlarmText: qsTr("No alarms")

    // The model in use: `model`, or the banner's own of every alarm.
    readonly property S7AlarmModel usedModel: model ? model : ownModel.object as S7AlarmModel
    // The alarm shown (null when every alarm is normal).
    readonly property S7Alarm alarm: usedModel ? usedModel.topAlarm as S7Alarm : null
    readonly property int unacknowledgedCount: usedModel ? usedModel.unacknowledgedCount : 0
    readonly property bool unacknowledged: alarm !== null && !alarm.acknowledged
    readonly property bool unknown: alarm !== null && !alarm.conditionKnown
    readonly property color alarmColor: alarm ? colorOf(alarm.priority) : Theme.ok
    // Whether the blinking part shows its colour right now (false in the dark phase).
    readonly property bool lit: !unacknowledged || _blinkPhase
    readonly property string stateText: alarm ? stateName(alarm.state) : ""
    // Background and text colours now: an active alarm fills the banner in its colour (a
    // light tint of it in the dark phase of a blink); a gone one only outlines it.
    readonly property color fillColor: !alarm || !alarm.active ? Theme.surface
                                       : lit ? alarmColor : Qt.tint(Theme.surface, Qt.alpha(alarmColor, 0.25))
    readonly property color inkColor: alarm && alarm.active && lit ? "white" : Theme.text

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
    function timeText(ms) {
        return ms > 0 ? Qt.formatDateTime(new Date(ms), "hh:mm:ss") : Theme.invalidText
    }

    padding: Theme.padding
    spacing: Theme.spacing * 2
    implicitWidth: 480
    implicitHeight: Math.max(56, implicitContentHeight + topPadding + bottomPadding)

    Instantiator {
        id: ownModel
        active: root.model === null
        delegate: S7AlarmModel {}
    }

    Timer {
        interval: Math.max(50, root.blinkInterval)
        repeat: true
        running: root.unacknowledged
        onTriggered: root._blinkPhase = !root._blinkPhase
        onRunningChanged: if (!running) root._blinkPhase = true
    }

    background: Rectangle {
        objectName: "background"
        radius: Theme.radius
        color: root.fillColor
        border.width: root.alarm ? 2 : Theme.borderWidth
        border.color: root.alarm && (root.alarm.active || root.lit) ? root.alarmColor : Theme.border
    }

    contentItem: Item {
        implicitHeight: Math.max(textColumn.implicitHeight, ackButton.implicitHeight)

        Column {
            id: textColumn
            anchors.left: parent.left
            anchors.right: countLabel.visible ? countLabel.left : ackButton.left
            anchors.rightMargin: root.spacing
            anchors.verticalCenter: parent.verticalCenter
            spacing: 2

            Row {
                width: parent.width
                spacing: Theme.spacing
                Text {
                    objectName: "unknownMark"
                    visible: root.unknown
                    text: "?"
                    font.pixelSize: Theme.fontNormal + 2
                    font.bold: true
                    color: Theme.text
                    leftPadding: 6; rightPadding: 6
                    anchors.verticalCenter: parent.verticalCenter
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
                    objectName: "text"
                    width: parent.width - (root.unknown ? 30 : 0)
                    text: root.alarm ? root.alarm.textWithValue : root.noAlarmText
                    color: root.alarm ? root.inkColor : Theme.textMuted
                    font.pixelSize: Theme.fontNormal + 2
                    font.bold: root.alarm !== null
                    elide: Text.ElideRight
                }
            }
            Text {
                objectName: "details"
                width: parent.width
                visible: root.alarm !== null
                text: root.alarm
                      ? [root.timeText(root.alarm.cameAt), root.alarm.group, "P" + root.alarm.priority,
                         root.stateText + (root.unknown ? qsTr(", condition unknown") : "")]
                        .filter(s => s.length > 0).join("  ·  ")
                      : ""
                color: root.inkColor
                opacity: 0.85
                font.pixelSize: Theme.fontSmall
                elide: Text.ElideRight
            }
        }

        Text {
            id: countLabel
            objectName: "count"
            anchors.right: ackButton.left
            anchors.rightMargin: root.spacing
            anchors.verticalCenter: parent.verticalCenter
            visible: root.unacknowledgedCount > 0
            text: qsTr("%1 unacknowledged").arg(root.unacknowledgedCount)
            color: root.inkColor
            font.pixelSize: Theme.fontSmall
            font.bold: true
        }

        Button {
            id: ackButton
            objectName: "acknowledge"
            anchors.right: parent.right
            anchors.verticalCenter: parent.verticalCenter
            implicitHeight: 40
            text: qsTr("Acknowledge")
            font.pixelSize: Theme.fontNormal
            enabled: root.unacknowledged
            onClicked: if (root.alarm) root.alarm.acknowledge()
        }
    }
}
