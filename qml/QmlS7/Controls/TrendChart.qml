import QtQuick
import QtQuick.Controls.Basic

// A line chart of a value's recent history over the last `span` seconds, with the current
// value printed above it. A sample is taken whenever the value, its validity or (with a
// variable) its timestamp changes, and every `sampleInterval` ms so a flat line keeps
// scrolling. Times while the value is not valid are drawn as shaded gaps. The y range
// follows the samples unless `minimum` / `maximum` are set (NaN = automatic).
VariableControl {
    id: root

    // Moves on every read, also when the value stays the same (0 without a variable).
    property double timestamp: variable ? variable.timestamp : 0

    property string label: ""
    property string unit: ""
    property int decimals: 1
    property real span: 60           // seconds shown
    property real minimum: NaN       // NaN: from the samples
    property real maximum: NaN       // NaN: from the samples
    property int sampleInterval: 1000  // ms between samples of an unchanged value
    property int maxSamples: 5000
    property bool running: true      // take samples (the chart keeps what it has when false)
    property bool stepped: false     // draw steps (a value holds until the next) instead of lines
    property color lineColor: Theme.accent
    property color gapColor: Theme.invalidFill

    // The samples, oldest first: { t: ms since the epoch, v: number, or NaN in a gap }.
    readonly property var samples: _samples
    readonly property int sampleCount: _count
    readonly property bool hasNumber: typeof value === "number" && isFinite(value)
    readonly property string displayText: valid && hasNumber
                                          ? value.toFixed(Math.max(0, decimals)) : Theme.invalidText

    // Take a sample now (also done automatically).
    function sample() {
        if (!root.running)
            return
        const now = Date.now()
        const v = root.valid && root.hasNumber ? root.value : NaN
        const samples = root._samples
        const last = samples.length > 0 ? samples[samples.length - 1] : null
        if (last !== null && last.t >= now && (last.v === v || (isNaN(last.v) && isNaN(v))))
            return
        samples.push({ t: now, v: v })
        root._prune(now)
        root._count = samples.length
        canvas.requestPaint()
    }

    function clear() {
        root._samples.length = 0
        root._count = 0
        canvas.requestPaint()
    }

    property var _samples: []
    property int _count: 0

    // Drop what scrolled out of the span, but keep the newest of those so the line starts at
    // the left edge; never keep more than maxSamples.
    function _prune(now) {
        const samples = root._samples
        const start = now - root.span * 1000
        let drop = 0
        while (drop + 1 < samples.length && samples[drop + 1].t <= start)
            ++drop
        drop = Math.max(drop, samples.length - Math.max(2, root.maxSamples))
        if (drop > 0)
            samples.splice(0, drop)
    }

    function _range(start) {
        let lo = Infinity
        let hi = -Infinity
        const samples = root._samples
        for (let i = 0; i < samples.length; ++i) {
            const s = samples[i]
            if (isNaN(s.v) || (s.t < start && i + 1 < samples.length && samples[i + 1].t < start))
                continue
            lo = Math.min(lo, s.v)
            hi = Math.max(hi, s.v)
        }
        if (!isNaN(root.minimum))
            lo = root.minimum
        if (!isNaN(root.maximum))
            hi = root.maximum
        if (!isFinite(lo) || !isFinite(hi))
            return { lo: isFinite(lo) ? lo : (isFinite(hi) ? hi - 1 : 0),
                     hi: isFinite(hi) ? hi : (isFinite(lo) ? lo + 1 : 1) }
        if (hi <= lo) {
            const pad = Math.max(Math.abs(lo) * 0.05, 1)
            return { lo: isNaN(root.minimum) ? lo - pad : lo, hi: isNaN(root.maximum) ? hi + pad : hi }
        }
        const pad = (hi - lo) * 0.05
        return { lo: isNaN(root.minimum) ? lo - pad : lo, hi: isNaN(root.maximum) ? hi + pad : hi }
    }

    function _label(v) {
        const range = Math.abs(v)
        return v.toFixed(range >= 1000 ? 0 : Math.max(0, root.decimals))
    }

    onValueChanged: Qt.callLater(root.sample)
    onValidChanged: Qt.callLater(root.sample)
    onTimestampChanged: Qt.callLater(root.sample)
    onSpanChanged: canvas.requestPaint()
    onMinimumChanged: canvas.requestPaint()
    onMaximumChanged: canvas.requestPaint()
    onSteppedChanged: canvas.requestPaint()
    Component.onCompleted: sample()

    Timer {
        interval: Math.max(50, root.sampleInterval)
        repeat: true
        running: root.running
        onTriggered: root.sample()
    }

    padding: Theme.padding
    implicitWidth: Math.max(implicitBackgroundWidth, implicitContentWidth + leftPadding + rightPadding)
    implicitHeight: Math.max(implicitBackgroundHeight, implicitContentHeight + topPadding + bottomPadding)


    background: Rectangle {
        color: Theme.surface
        radius: Theme.radius
        border.width: Theme.borderWidth
        border.color: root.errorText.length > 0 ? Theme.alarm : Theme.border
    }

    contentItem: Item {
        implicitWidth: 320
        implicitHeight: 160

        Text {
            id: labelText
            objectName: "label"
            anchors.left: parent.left
            anchors.right: valueRow.left
            anchors.rightMargin: Theme.spacing
            anchors.bottom: valueRow.bottom
            anchors.bottomMargin: 2
            text: root.label
            color: Theme.textMuted
            font.pixelSize: Theme.fontSmall
            elide: Text.ElideRight
        }
        Row {
            id: valueRow
            anchors.right: parent.right
            anchors.top: parent.top
            spacing: 3
            Text {
                id: valueText
                objectName: "value"
                text: root.displayText
                color: root.valid ? Theme.text : Theme.invalid
                font.pixelSize: Theme.fontNormal + 3
                font.bold: true
            }
            Text {
                anchors.baseline: valueText.baseline
                visible: root.unit.length > 0
                text: root.unit
                color: root.valid ? Theme.textMuted : Theme.invalid
                font.pixelSize: Theme.fontSmall
            }
        }

        Item {
            id: plot
            anchors.left: parent.left
            anchors.right: parent.right
            anchors.top: valueRow.bottom
            anchors.topMargin: Theme.spacing / 2
            anchors.bottom: parent.bottom

            // How much the chart is magnified on the screen (a zoomed page, a scaled parent):
            // the canvas paints that many pixels per unit and is scaled back, so its lines and
            // figures stay as sharp as the text around it. Measured once the bindings of a
            // resize have settled, since no signal tells of a parent's scale.
            property real zoom: 1
            function measure() {
                const a = plot.mapToItem(null, 0, 0)
                const b = plot.mapToItem(null, 100, 0)
                plot.zoom = Math.max(1, Math.min(4, Math.hypot(b.x - a.x, b.y - a.y) / 100))
            }
            readonly property size windowSize: Qt.size(root.Window.width, root.Window.height)
            onWindowSizeChanged: Qt.callLater(plot.measure)
            onWidthChanged: Qt.callLater(plot.measure)
            Component.onCompleted: Qt.callLater(plot.measure)

            Canvas {
                id: canvas
                objectName: "canvas"
                width: plot.width * plot.zoom
                height: plot.height * plot.zoom
                scale: 1 / plot.zoom
                transformOrigin: Item.TopLeft

                onWidthChanged: requestPaint()
                onHeightChanged: requestPaint()

                onPaint: {
                    const ctx = getContext("2d")
                    ctx.reset()
                    ctx.scale(plot.zoom, plot.zoom)
                    const width = plot.width
                    const height = plot.height
                    const font = Theme.fontSmall
                    ctx.font = font + "px sans-serif"
                    const now = Date.now()
                    const spanMs = Math.max(1, root.span * 1000)
                    const start = now - spanMs
                    const range = root._range(start)
                    const loText = root._label(range.lo)
                    const hiText = root._label(range.hi)
                    const left = Math.ceil(Math.max(ctx.measureText(loText).width,
                                                    ctx.measureText(hiText).width)) + 6
                    const top = font / 2
                    const bottom = height - font - 4
                    const plotW = Math.max(1, width - left - 1)
                    const plotH = Math.max(1, bottom - top)
                    const xOf = function(t) { return left + (t - start) / spanMs * plotW }
                    const yOf = function(v) { return bottom - (v - range.lo) / (range.hi - range.lo) * plotH }

                    // Frame, grid and scale
                    ctx.fillStyle = Theme.background
                    ctx.fillRect(left, top, plotW, plotH)
                    ctx.strokeStyle = Theme.border
                    ctx.lineWidth = 1
                    ctx.beginPath()
                    for (let i = 0; i <= 4; ++i) {
                        const y = Math.round(top + plotH * i / 4) + 0.5
                        ctx.moveTo(left, y)
                        ctx.lineTo(left + plotW, y)
                    }
                    ctx.stroke()
                    ctx.fillStyle = Theme.textMuted
                    ctx.textAlign = "right"
                    ctx.textBaseline = "middle"
                    ctx.fillText(hiText, left - 4, top)
                    ctx.fillText(loText, left - 4, bottom)
                    ctx.textBaseline = "top"
                    ctx.fillText(qsTr("now"), left + plotW, bottom + 3)
                    ctx.textAlign = "left"
                    ctx.fillText("-" + root.span + " s", left, bottom + 3)

                    const samples = root._samples
                    ctx.save()
                    ctx.beginPath()
                    ctx.rect(left, top, plotW, plotH)
                    ctx.clip()

                    // Gaps: from an invalid sample to the next valid one (or now)
                    ctx.fillStyle = root.gapColor
                    for (let i = 0; i < samples.length; ++i) {
                        if (!isNaN(samples[i].v))
                            continue
                        let j = i + 1
                        while (j < samples.length && isNaN(samples[j].v))
                            ++j
                        const x0 = xOf(samples[i].t)
                        const x1 = j < samples.length ? xOf(samples[j].t) : left + plotW
                        ctx.fillRect(x0, top, Math.max(1, x1 - x0), plotH)
                        i = j - 1
                    }

                    // The line, broken at gaps; the last valid value runs on to now
                    ctx.strokeStyle = root.lineColor
                    ctx.lineWidth = 2
                    ctx.lineJoin = "round"
                    ctx.beginPath()
                    let drawing = false
                    for (let i = 0; i < samples.length; ++i) {
                        const s = samples[i]
                        if (isNaN(s.v)) {
                            if (drawing)
                                ctx.lineTo(xOf(s.t), yOf(samples[i - 1].v))
                            drawing = false
                            continue
                        }
                        const x = xOf(s.t)
                        const y = yOf(s.v)
                        if (drawing) {
                            if (root.stepped)
                                ctx.lineTo(x, yOf(samples[i - 1].v))
                            ctx.lineTo(x, y)
                        } else {
                            ctx.moveTo(x, y)
                        }
                        drawing = true
                    }
                    if (drawing)
                        ctx.lineTo(left + plotW, yOf(samples[samples.length - 1].v))
                    ctx.stroke()
                    ctx.restore()
                }
            }
        }
    }
}
