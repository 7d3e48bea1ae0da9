import QtQuick
import QtQuick.Controls.Basic
import QmlS7

// A line chart of a value over the last `span` seconds, with the current value printed above
// it. A sample is taken whenever the value, its validity or (with a variable) its timestamp
// changes, and every `sampleInterval` ms so a flat line keeps scrolling. Times while the value
// is not valid are drawn as shaded gaps. The y range follows the points in view unless
// `minimum` / `maximum` are set (NaN = automatic).
//
// The wheel and a pinch zoom around the pointer, a drag pans into the past, the - and +
// buttons zoom for fingers that cannot pinch. Away from now the chart stops following
// (`live` false) while the samples go on being taken; Live, or panning back to now, returns.
// With a `history` (an S7History) the chart fills what it does not hold from the store: the
// past at start, and whatever part of the past the view moves to.
VariableControl {
    id: root

    // Moves on every read, also when the value stays the same (0 without a variable).
    property double timestamp: variable ? variable.timestamp : 0

    property string label: ""
    property string unit: ""
    property int decimals: 1
    property real span: 60           // seconds shown; zooming changes it
    property real minSpan: 5         // s, the closest zoom
    property real maxSpan: 604800    // s, the widest zoom (a week)
    // The right edge, ms since the epoch. While live it follows now (moved with every sample);
    // a time before now pans there and stops following.
    property double viewEnd: 0
    // The right edge is now. Panning into the past makes it false; true returns to now.
    property bool live: true
    property real minimum: NaN       // NaN: from the points in view
    property real maximum: NaN       // NaN: from the points in view
    property int sampleInterval: 1000  // ms between samples of an unchanged value
    property int maxSamples: 5000
    property bool running: true      // take samples (the chart keeps what it has when false)
    property bool stepped: false     // draw steps (a value holds until the next) instead of lines
    property bool showZoomButtons: true
    property int buttonHeight: 28
    property color lineColor: Theme.accent
    property color gapColor: Theme.invalidFill

    // Where the past comes from: an S7History (or null), and the tag to ask it for.
    property S7History history: null
    property string historyTag: variable ? variable.name : ""
    property int historyDelay: 250   // ms without a move before a moved view asks the history

    // The samples, oldest first: { t: ms since the epoch, v: number, or NaN in a gap }.
    readonly property var samples: _samples
    readonly property int sampleCount: _count
    // The history's last answer, oldest first: { t, v (NaN: a gap), q }, and its time range.
    readonly property var historyPoints: _past ? _past.points : []
    readonly property double historyFrom: _past ? _past.from : 0
    readonly property double historyTo: _past ? _past.to : 0
    readonly property bool historyLoading: _queryId >= 0
    readonly property double viewStart: viewEnd - span * 1000
    // Where the last paint put the plot area, in the coordinates of the item "plot".
    readonly property rect plotRect: Qt.rect(_plotLeft, _plotTop, _plotWidth, _plotHeight)
    // How many points the last paint drew: at most four per pixel column, however many are in view.
    readonly property int paintedPoints: _painted
    readonly property bool hasNumber: typeof value === "number" && isFinite(value)
    readonly property string displayText: valid && hasNumber
                                          ? value.toFixed(Math.max(0, decimals)) : Theme.invalidText

    // Take a sample now (also done automatically).
    function sample() {
        if (!root.running)
            return
        const now = Date.now()
        if (root.live)
            root._follow(now)
        const v = root.valid && root.hasNumber ? root.value : NaN
        const samples = root._samples
        const last = samples.length > 0 ? samples[samples.length - 1] : null
        if (last !== null && last.t >= now && (last.v === v || (isNaN(last.v) && isNaN(v))))
            return
        samples.push({ t: now, v: v })
        root._prune(now)
        root._count = samples.length
        if (root.live)   // panned into the past, a new sample is out of view
            canvas.requestPaint()
        // Pruned samples may leave a part of the view to the history.
        if (root.history && root._queryId < 0 && !historyTimer.running && root._historyWanted() !== null)
            historyTimer.start()
    }

    function clear() {
        root._samples.length = 0
        root._count = 0
        canvas.requestPaint()
    }

    // Zoom by `factor` (2: twice the time, 0.5: half), keeping the time at `anchor` (0: the
    // left edge, 1: the right edge) in place; by default the right edge while live, else the
    // middle. Within minSpan and maxSpan.
    function zoomBy(factor, anchor) {
        const old = root.span
        const next = Math.max(root.minSpan, Math.min(root.maxSpan, old * factor))
        if (!(next > 0) || next === old || (factor < 1) !== (next < old))
            return
        const a = anchor === undefined ? (root.live ? 1 : 0.5) : Math.max(0, Math.min(1, anchor))
        const end = root.live ? Date.now() : root.viewEnd
        const at = end - (1 - a) * old * 1000
        const newEnd = at + (1 - a) * next * 1000
        root.span = next
        root._setEnd(root.live && newEnd >= end ? Infinity : newEnd)
    }
    function zoomIn() { root.zoomBy(0.5) }
    function zoomOut() { root.zoomBy(2) }

    // Move the view by `ms` (negative: into the past). Reaching now follows now again.
    function panBy(ms) {
        root._setEnd(root.live && ms >= 0 ? Infinity : (root.live ? Date.now() : root.viewEnd) + ms)
    }

    // The points painted now, oldest first ({ t, v }): the history's up to where the live
    // samples begin, then the samples; one on each side of the view, where the line enters
    // and leaves it.
    function visiblePoints() {
        const end = root.live ? Date.now() : root.viewEnd
        return root._visible(end - root.span * 1000, end)
    }

    property var _samples: []
    property int _count: 0
    property real _keep: span        // s of samples kept: the widest span shown
    property bool _internal: false   // viewEnd/live set by the chart itself
    property real _plotLeft: 0       // where the last paint put the plot area
    property real _plotTop: 0
    property real _plotWidth: 0
    property real _plotHeight: 0
    property int _painted: 0
    property var _past: null         // { from, to, maxPoints, points }
    property var _asked: null
    property double _askedAt: 0
    property int _queryId: -1

    // Drop what scrolled out of view and the widest span shown, but keep the newest of those
    // so the line starts at the left edge; never keep more than maxSamples.
    function _prune(now) {
        const samples = root._samples
        const start = Math.min(now - root._keep * 1000,
                               root.live ? Infinity : root.viewEnd - root.span * 1000)
        let drop = 0
        while (drop + 1 < samples.length && samples[drop + 1].t <= start)
            ++drop
        drop = Math.max(drop, samples.length - Math.max(2, root.maxSamples))
        if (drop > 0)
            samples.splice(0, drop)
    }

    function _follow(now) {
        root._internal = true
        root.viewEnd = now
        root._internal = false
    }

    // The one way the view moves: to the right edge `t`; past now, following now.
    function _setEnd(t) {
        const now = Date.now()
        root._internal = true
        root.live = t > now
        root.viewEnd = Math.min(t, now)
        root._internal = false
        canvas.requestPaint()
        if (root.history)
            historyTimer.restart()
    }

    // The first index in [0, n) whose point is at `t` or later (n when none).
    function _firstFrom(points, t, n) {
        let lo = 0
        let hi = n
        while (lo < hi) {
            const mid = (lo + hi) >> 1
            if (points[mid].t < t)
                lo = mid + 1
            else
                hi = mid
        }
        return lo
    }

    function _append(out, points, n, start, end) {
        let i = root._firstFrom(points, start, n)
        if (i > 0)
            --i
        for (; i < n; ++i) {
            out.push(points[i])
            if (points[i].t > end)
                break
        }
    }

    function _visible(start, end) {
        const out = []
        const samples = root._samples
        const liveStart = samples.length > 0 ? samples[0].t : Infinity
        const past = root._past ? root._past.points : []
        root._append(out, past, root._firstFrom(past, liveStart, past.length), start, end)
        root._append(out, samples, samples.length, start, end)
        return out
    }

    // At most four points per pixel column (its first, lowest, highest and last; every gap
    // point kept): what the eye sees of the line, however many samples are in view.
    function _decimate(points, xOf, plotW) {
        if (points.length <= 4 * plotW)
            return points
        const out = []
        let column = NaN
        let kept = []
        const flush = function() {
            kept.sort(function(a, b) { return a.t - b.t })
            for (let k = 0; k < kept.length; ++k) {
                if (k === 0 || kept[k] !== kept[k - 1])
                    out.push(kept[k])
            }
            kept = []
            column = NaN
        }
        for (let i = 0; i < points.length; ++i) {
            const p = points[i]
            if (isNaN(p.v)) {
                flush()
                out.push(p)
                continue
            }
            const c = Math.floor(xOf(p.t))
            if (c !== column) {
                flush()
                column = c
                kept = [p, p, p, p]
                continue
            }
            if (p.v < kept[1].v)
                kept[1] = p
            if (p.v > kept[2].v)
                kept[2] = p
            kept[3] = p
        }
        flush()
        return out
    }

    function _range(points, start, end) {
        let lo = Infinity
        let hi = -Infinity
        for (let i = 0; i < points.length; ++i) {
            const p = points[i]
            if (isNaN(p.v) || p.t > end || (p.t < start && i + 1 < points.length && points[i + 1].t < start))
                continue
            lo = Math.min(lo, p.v)
            hi = Math.max(hi, p.v)
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

    // "60 s", "15 min", "2 h", "3 d"
    function _spanText(s) {
        if (s < 120)
            return Math.round(s * 10) / 10 + " s"
        if (s < 7200)
            return Math.round(s / 60) + " min"
        if (s < 172800)
            return Math.round(s / 360) / 10 + " h"
        return Math.round(s / 8640) / 10 + " d"
    }

    // A time on the axis: to the second today, else with the date.
    function _timeText(ms) {
        const when = new Date(ms)
        const today = new Date().toDateString() === when.toDateString()
        return Qt.formatDateTime(when, today ? "hh:mm:ss" : "MM-dd hh:mm")
    }

    // What the view needs from the history and the chart does not hold, as a query (one span
    // more on each side, so that small pans need none), or null.
    function _historyWanted() {
        if (!root.history || root.historyTag.length === 0)
            return null
        const now = Date.now()
        const end = root.live ? now : root.viewEnd
        const spanMs = root.span * 1000
        const start = end - spanMs
        const samples = root._samples
        const past = root._past
        // Up to the first live sample; without samples, up to the right edge (while live, up
        // to what the last answer held: now moves on, the store has no more to say).
        let needTo = samples.length > 0 ? Math.min(end, samples[0].t)
                   : root.live && past ? Math.min(end, past.to) : end
        if (needTo <= start)
            return null
        const perPixel = spanMs / Math.max(100, root._plotWidth > 0 ? root._plotWidth : root.width - 60)
        if (past !== null && past.from <= start && past.to >= needTo
                && (past.to - past.from) / Math.max(1, past.maxPoints) <= 2 * perPixel)
            return null
        const from = start - spanMs
        const to = Math.min(now, end + spanMs)
        return { from: from, to: to, maxPoints: Math.max(10, Math.round((to - from) / perPixel)) }
    }

    function _checkHistory() {
        if (!root.history || root.historyTag.length === 0)
            return
        // One question at a time: its answer checks again. One that never comes is given up.
        if (root._queryId >= 0 && Date.now() - root._askedAt < 10000)
            return
        const want = root._historyWanted()
        if (want === null)
            return
        root._asked = want
        root._askedAt = Date.now()
        root._queryId = root.history.query(root.historyTag, want.from, want.to, want.maxPoints)
    }

    function _answer(id, points) {
        if (id !== root._queryId || root._asked === null)
            return
        const kept = []
        for (let i = 0; i < points.length; ++i) {
            const p = points[i]
            kept.push({ t: Number(p.t), v: typeof p.v === "number" ? p.v : NaN, q: p.q })
        }
        root._past = { from: root._asked.from, to: root._asked.to,
                       maxPoints: root._asked.maxPoints, points: kept }
        root._queryId = -1
        canvas.requestPaint()
        Qt.callLater(root._checkHistory)   // the view may have moved meanwhile
    }

    function _forgetHistory() {
        root._past = null
        root._queryId = -1
        canvas.requestPaint()
        Qt.callLater(root._checkHistory)
    }

    onValueChanged: Qt.callLater(root.sample)
    onValidChanged: Qt.callLater(root.sample)
    onTimestampChanged: Qt.callLater(root.sample)
    onSpanChanged: {
        root._keep = Math.max(root._keep, root.span)
        canvas.requestPaint()
        if (root.history)
            historyTimer.restart()
    }
    onViewEndChanged: if (!root._internal) root._setEnd(root.viewEnd)
    onLiveChanged: if (!root._internal) root._setEnd(root.live ? Infinity : Date.now())
    onHistoryChanged: root._forgetHistory()
    onHistoryTagChanged: root._forgetHistory()
    onMinimumChanged: canvas.requestPaint()
    onMaximumChanged: canvas.requestPaint()
    onSteppedChanged: canvas.requestPaint()
    Component.onCompleted: {
        root._setEnd(root.viewEnd > 0 ? root.viewEnd : root.live ? Infinity : Date.now())
        historyTimer.stop()
        root.sample()
        Qt.callLater(root._checkHistory)   // at once: the chart opens with the past
    }

    Timer {
        interval: Math.max(50, root.sampleInterval)
        repeat: true
        running: root.running
        onTriggered: root.sample()
    }

    Timer {
        id: historyTimer
        interval: Math.max(0, root.historyDelay)
        onTriggered: root._checkHistory()
    }

    Connections {
        target: root.history
        function onQueryFinished(id, points) { root._answer(id, points) }
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

        Item {
            id: header
            anchors.left: parent.left
            anchors.right: parent.right
            height: Math.max(valueRow.height, buttons.visible ? buttons.height : 0)

            Text {
                id: labelText
                objectName: "label"
                anchors.left: parent.left
                anchors.right: buttons.visible ? buttons.left : valueRow.left
                anchors.rightMargin: Theme.spacing
                y: valueRow.y + valueText.baselineOffset - baselineOffset   // on the value's baseline
                text: root.label
                color: Theme.textMuted
                font.pixelSize: Theme.fontSmall
                elide: Text.ElideRight
            }
            Row {
                id: buttons
                objectName: "zoomButtons"
                visible: root.showZoomButtons
                anchors.right: valueRow.left
                anchors.rightMargin: Theme.spacing
                anchors.verticalCenter: parent.verticalCenter
                spacing: 2
                component ChartButton: Button {
                    implicitHeight: root.buttonHeight
                    implicitWidth: Math.max(root.buttonHeight + 4, implicitContentWidth + leftPadding + rightPadding)
                    padding: 2
                    horizontalPadding: 8
                    font.pixelSize: Theme.fontNormal
                    focusPolicy: Qt.NoFocus
                }
                ChartButton {
                    objectName: "zoomOut"
                    text: "\u2212"
                    enabled: root.span < root.maxSpan
                    onClicked: root.zoomOut()
                }
                ChartButton {
                    objectName: "zoomIn"
                    text: "+"
                    enabled: root.span > root.minSpan
                    onClicked: root.zoomIn()
                }
                ChartButton {
                    objectName: "liveButton"
                    text: qsTr("Live")
                    enabled: !root.live
                    highlighted: !root.live
                    onClicked: root.live = true
                }
            }
            Row {
                id: valueRow
                anchors.right: parent.right
                anchors.verticalCenter: parent.verticalCenter
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
        }

        Item {
            id: plot
            objectName: "plot"
            anchors.left: parent.left
            anchors.right: parent.right
            anchors.top: header.bottom
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

            // Where x (in the plot's units) lies between the plot area's edges, 0 to 1.
            function anchorAt(x) {
                return root._plotWidth > 0 ? Math.max(0, Math.min(1, (x - root._plotLeft) / root._plotWidth)) : 1
            }

            // A drag pans: the line follows the finger.
            DragHandler {
                id: dragHandler
                target: null
                yAxis.enabled: false
                property real lastX: 0
                onActiveChanged: lastX = centroid.position.x
                onCentroidChanged: {
                    if (!active)
                        return
                    const dx = centroid.position.x - lastX
                    lastX = centroid.position.x
                    if (dx !== 0 && root._plotWidth > 0)
                        root.panBy(-dx / root._plotWidth * root.span * 1000)
                }
            }
            PinchHandler {
                target: null
                onScaleChanged: delta => {
                    if (delta > 0)
                        root.zoomBy(1 / delta, plot.anchorAt(centroid.position.x))
                }
            }
            // The wheel zooms (a notch: 1.25 times); sideways scrolling pans.
            WheelHandler {
                id: wheelHandler
                target: null
                onWheel: event => {
                    const x = wheelHandler.point.position.x
                    if (event.angleDelta.y !== 0)
                        root.zoomBy(Math.pow(1.25, -event.angleDelta.y / 120), plot.anchorAt(x))
                    else if (event.angleDelta.x !== 0 && root._plotWidth > 0)
                        root.panBy(-event.angleDelta.x / 120 * 0.1 * root.span * 1000)
                }
            }

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
                    const end = root.live ? now : root.viewEnd
                    const spanMs = Math.max(1, root.span * 1000)
                    const start = end - spanMs
                    let points = root._visible(start, end)
                    const range = root._range(points, start, end)
                    const loText = root._label(range.lo)
                    const hiText = root._label(range.hi)
                    const left = Math.ceil(Math.max(ctx.measureText(loText).width,
                                                    ctx.measureText(hiText).width)) + 6
                    const top = font / 2
                    const bottom = height - font - 4
                    const plotW = Math.max(1, width - left - 1)
                    const plotH = Math.max(1, bottom - top)
                    root._plotLeft = left
                    root._plotTop = top
                    root._plotWidth = plotW
                    root._plotHeight = plotH
                    const xOf = function(t) { return left + (t - start) / spanMs * plotW }
                    points = root._decimate(points, xOf, plotW)
                    root._painted = points.length
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
                    ctx.fillText(root.live ? qsTr("now") : root._timeText(end), left + plotW, bottom + 3)
                    ctx.textAlign = "left"
                    ctx.fillText(root.live ? "-" + root._spanText(root.span) : root._timeText(start),
                                 left, bottom + 3)

                    ctx.save()
                    ctx.beginPath()
                    ctx.rect(left, top, plotW, plotH)
                    ctx.clip()

                    // Gaps: from an invalid point to the next valid one (or the right edge)
                    ctx.fillStyle = root.gapColor
                    for (let i = 0; i < points.length; ++i) {
                        if (!isNaN(points[i].v))
                            continue
                        let j = i + 1
                        while (j < points.length && isNaN(points[j].v))
                            ++j
                        const x0 = xOf(points[i].t)
                        const x1 = j < points.length ? xOf(points[j].t) : left + plotW
                        ctx.fillRect(x0, top, Math.max(1, x1 - x0), plotH)
                        i = j - 1
                    }

                    // The line, broken at gaps; the last valid value runs on to the right edge
                    ctx.strokeStyle = root.lineColor
                    ctx.lineWidth = 2
                    ctx.lineJoin = "round"
                    ctx.beginPath()
                    let drawing = false
                    for (let i = 0; i < points.length; ++i) {
                        const p = points[i]
                        if (isNaN(p.v)) {
                            if (drawing)
                                ctx.lineTo(xOf(p.t), yOf(points[i - 1].v))
                            drawing = false
                            continue
                        }
                        const x = xOf(p.t)
                        const y = yOf(p.v)
                        if (drawing) {
                            if (root.stepped)
                                ctx.lineTo(x, yOf(points[i - 1].v))
                            ctx.lineTo(x, y)
                        } else {
                            ctx.moveTo(x, y)
                        }
                        drawing = true
                    }
                    if (drawing && points[points.length - 1].t <= end)
                        ctx.lineTo(left + plotW, yOf(points[points.length - 1].v))
                    ctx.stroke()
                    ctx.restore()
                }
            }
        }
    }
}
