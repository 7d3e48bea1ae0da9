import QtQuick
import QtQuick.Controls.Basic

// A setpoint: a Slider and a SpinBox that show the value and write it once per edit: when
// the slider is released (or stepped with the keyboard), and when the spin box's text is
// accepted (Enter or focus out) or stepped with its buttons. While the user drags or types,
// new values from the PLC do not move the handle or replace the text; afterwards both show
// the value again. Disabled while the value is not valid or the client is not connected.
// Without a valid number it shows "--" and a slider without a handle, and writes nothing.
// Without a variable, handle submitted(newValue) and feed `value` yourself.
VariableControl {
    id: root


    property string label: ""
    property string unit: ""
    property real from: 0
    property real to: 100
    property real stepSize: 1
    property int decimals: 0

    readonly property bool hasNumber: typeof value === "number" && isFinite(value)
    // The value shown while the user is not editing (from when not a number).
    readonly property real shownValue: hasNumber ? value : from
    // What the spin box shows while nobody types: "--" without a valid number.
    readonly property string displayText: valid && hasNumber
                                          ? value.toFixed(Math.max(0, decimals)) : Theme.invalidText
    // Without a number there is nothing to start an edit from, and "--" must not be written.
    readonly property bool interactive: enabled && valid && connected && hasNumber
    // True while the user drags the slider or types into the spin box.
    readonly property bool editing: _sliderHeld || _typing
    readonly property alias slider: slider
    readonly property alias spinBox: spin

    // Every value the control writes (with or without a variable).
    signal submitted(real newValue)

    function write(newValue) {
        // Also when an edit ends after the value went away (focus leaves a disabled field).
        if (!root.valid || !root.hasNumber)
            return
        const rounded = Number(Number(newValue).toFixed(Math.max(0, root.decimals)))
        if (typeof root.value === "number" && rounded === root.value)
            return  // nothing changed: nothing to write
        root.submitted(rounded)
        if (root.variable)
            root.variable.data = rounded
    }

    // The typed text, once accepted: written when it differs from what the spin box holds.
    // (The SpinBox may also take the text itself; then valueModified already wrote it.)
    function _commitText() {
        if (root._typing) {
            const lo = Math.min(spin.from, spin.to)
            const hi = Math.max(spin.from, spin.to)
            const typed = Math.max(lo, Math.min(hi, spin.valueFromText(spinText.text, spin.locale)))
            if (typed !== spin.value) {
                spin.value = typed
                root.write(typed / root._scale)
            }
        }
        root._typing = false
    }

    property bool _sliderHeld: false
    property bool _typing: false
    readonly property real _scale: Math.pow(10, Math.max(0, decimals))

    padding: Theme.padding
    spacing: Theme.spacing
    implicitWidth: Math.max(implicitBackgroundWidth, implicitContentWidth + leftPadding + rightPadding)
    implicitHeight: Math.max(implicitBackgroundHeight, implicitContentHeight + topPadding + bottomPadding)


    // Follow the value, except while the user holds the handle or types.
    Binding {
        target: slider
        property: "value"
        value: root.shownValue
        when: !root._sliderHeld
        restoreMode: Binding.RestoreNone
    }
    Binding {
        target: spin
        property: "value"
        value: Math.round(root.shownValue * root._scale)
        when: !root._typing
        restoreMode: Binding.RestoreNone
    }

    background: Rectangle {
        color: Theme.surface
        radius: Theme.radius
        border.width: Theme.borderWidth
        border.color: root.errorText.length > 0 ? Theme.alarm : Theme.border
    }

    contentItem: Item {
        implicitWidth: Math.max(header.implicitWidth, 160 + root.spacing + spin.implicitWidth)
        implicitHeight: (header.visible ? header.implicitHeight + root.spacing : 0)
                        + Math.max(slider.implicitHeight, spin.implicitHeight)

        Item {
            id: header
            anchors.left: parent.left
            anchors.right: parent.right
            anchors.top: parent.top
            implicitWidth: labelText.implicitWidth + root.spacing + unitText.implicitWidth
            implicitHeight: Math.max(labelText.implicitHeight, unitText.implicitHeight)
            height: implicitHeight
            visible: root.label.length > 0 || root.unit.length > 0

            Text {
                id: labelText
                objectName: "label"
                anchors.left: parent.left
                anchors.right: unitText.left
                anchors.rightMargin: root.spacing
                text: root.label
                color: root.valid ? Theme.textMuted : Theme.invalid
                font.pixelSize: Theme.fontSmall
                elide: Text.ElideRight
            }
            Text {
                id: unitText
                anchors.right: parent.right
                text: root.unit
                color: Theme.textMuted
                font.pixelSize: Theme.fontSmall
            }
        }

        Item {
            anchors.left: parent.left
            anchors.right: parent.right
            anchors.bottom: parent.bottom
            height: Math.max(slider.implicitHeight, spin.implicitHeight)

            Slider {
                id: slider
                objectName: "slider"
                anchors.left: parent.left
                anchors.right: spin.left
                anchors.rightMargin: root.spacing
                anchors.top: parent.top         // as high as the spin box: a finger's target
                anchors.bottom: parent.bottom
                enabled: root.interactive
                from: root.from
                to: root.to
                stepSize: root.stepSize
                snapMode: Slider.SnapAlways

                background: Rectangle {
                    x: slider.leftPadding
                    y: slider.topPadding + (slider.availableHeight - height) / 2
                    implicitWidth: 160
                    implicitHeight: 4
                    width: slider.availableWidth
                    height: implicitHeight
                    radius: 2
                    color: Theme.off

                    Rectangle {
                        visible: root.valid && root.hasNumber  // no value: an empty, neutral track
                        width: slider.visualPosition * parent.width
                        height: parent.height
                        radius: 2
                        color: slider.enabled ? Theme.accent : Theme.invalid
                    }
                }
                handle: Rectangle {
                    visible: root.valid && root.hasNumber
                    x: slider.leftPadding + slider.visualPosition * (slider.availableWidth - width)
                    y: slider.topPadding + (slider.availableHeight - height) / 2
                    implicitWidth: 20
                    implicitHeight: 20
                    radius: 10
                    color: slider.pressed ? Theme.background : Theme.surface
                    border.width: 2
                    border.color: !slider.enabled ? Theme.invalid
                                : slider.visualFocus ? Qt.darker(Theme.accent, 1.3) : Theme.accent
                }

                onPressedChanged: {
                    if (pressed) {
                        root._sliderHeld = true
                        return
                    }
                    if (root.interactive)
                        root.write(value)  // released: one write
                    root._sliderHeld = false
                }
                onMoved: if (!pressed) root.write(value)  // keyboard or wheel
            }

            SpinBox {
                id: spin
                objectName: "spinBox"
                anchors.right: parent.right
                anchors.verticalCenter: parent.verticalCenter
                enabled: root.interactive
                editable: true
                from: Math.round(root.from * root._scale)
                to: Math.round(root.to * root._scale)
                stepSize: Math.max(1, Math.round(root.stepSize * root._scale))
                font.pixelSize: Theme.fontNormal
                implicitWidth: 120

                validator: DoubleValidator {
                    bottom: Math.min(root.from, root.to)
                    top: Math.max(root.from, root.to)
                    decimals: root.decimals
                    notation: DoubleValidator.StandardNotation
                    locale: "C"
                }
                textFromValue: function(v, locale) {
                    return (v / root._scale).toFixed(Math.max(0, root.decimals))
                }
                valueFromText: function(text, locale) {
                    const n = Number(text.trim())
                    return text.trim().length > 0 && isFinite(n) ? Math.round(n * root._scale) : spin.value
                }
                // Buttons, arrow keys, wheel, and (depending on the Qt version) accepted text.
                onValueModified: {
                    root.write(value / root._scale)
                    root._typing = false
                }

                contentItem: TextInput {
                    id: spinText
                    objectName: "spinText"
                    z: 2
                    // Typing does not break this binding; the Binding on spin.value keeps it
                    // from replacing the typed text.
                    text: root.valid && root.hasNumber ? spin.displayText : Theme.invalidText
                    padding: 6
                    font: spin.font
                    color: root.valid && root.hasNumber ? Theme.text : Theme.invalid
                    selectionColor: Theme.accent
                    selectedTextColor: "white"
                    horizontalAlignment: Qt.AlignHCenter
                    verticalAlignment: Qt.AlignVCenter
                    readOnly: !spin.editable
                    validator: spin.validator
                    inputMethodHints: Qt.ImhFormattedNumbersOnly
                    clip: width < implicitWidth

                    onTextEdited: root._typing = true
                    onEditingFinished: root._commitText()  // Enter or focus out
                }
            }
        }
    }
}
