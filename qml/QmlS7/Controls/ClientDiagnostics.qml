import QtQuick
import QtQuick.Controls.Basic

// How a PLC link is doing, from S7Client.diagnostics (updated once a second): the round trip
// (last and mean over a minute) with a sparkline of the last minute, requests and bytes per
// second, the last poll cycle, overruns (a poll interval that came while its previous cycle
// still ran) and failed requests. Give it `client`, or feed `diagnostics` yourself.
Control {
    id: root

    property var client: null
    property var diagnostics: client ? client.diagnostics : null
    property color lineColor: Theme.accent

    function ms(value) {
        return value < 0 ? Theme.invalidText
                         : value < 1 ? value.toFixed(2) + " ms"
                         : value < 10 ? value.toFixed(1) + " ms" : Math.round(value) + " ms"
    }
    function rate(value, unit) {
        return value >= 1000 ? (value / 1000).toFixed(1) + " k" + unit : Math.round(value) + " " + unit
    }

    readonly property string roundTripText: diagnostics ? ms(diagnostics.roundTrip) : Theme.invalidText
    readonly property string meanText: diagnostics ? ms(diagnostics.roundTripMean) : Theme.invalidText
    readonly property string trafficText: diagnostics
        ? rate(diagnostics.requestsPerSecond, "req/s") + "  ·  " + rate(diagnostics.bytesPerSecond, "B/s")
        : Theme.invalidText
    readonly property string cycleText: diagnostics ? ms(diagnostics.cycleTime) : Theme.invalidText
    readonly property int overruns: diagnostics ? diagnostics.overruns : 0
    readonly property int failures: diagnostics ? diagnostics.failedRequests : 0

    padding: Theme.padding
    implicitWidth: Math.max(implicitBackgroundWidth, implicitContentWidth + leftPadding + rightPadding)
    implicitHeight: Math.max(implicitBackgroundHeight, implicitContentHeight + topPadding + bottomPadding)

    background: Rectangle {
        implicitWidth: 420
        color: Theme.surface
        radius: Theme.radius
        border.width: Theme.borderWidth
        border.color: Theme.border
    }

    contentItem: Row {
        spacing: Theme.spacing * 2

        component Figure: Column {
            property string caption
            property string figure
            property color figureColor: Theme.text
            Text { text: parent.caption; color: Theme.textMuted; font.pixelSize: Theme.fontSmall }
            Text { text: parent.figure; color: parent.figureColor; font.pixelSize: Theme.fontNormal; font.bold: true }
        }

        Figure { objectName: "roundTrip"; caption: "round trip"; figure: root.roundTripText }
        Canvas {
            id: sparkline
            objectName: "sparkline"
            width: 90
            height: 30
            anchors.verticalCenter: parent.verticalCenter
            onPaint: {
                const ctx = getContext("2d")
                ctx.reset()
                const points = root.diagnostics ? root.diagnostics.history : []
                if (points.length < 2)
                    return
                const top = Math.max(...points) * 1.1 || 1
                ctx.strokeStyle = root.lineColor
                ctx.lineWidth = 1.5
                ctx.beginPath()
                for (let i = 0; i < points.length; ++i) {
                    const x = width * i / (points.length - 1)
                    const y = height - height * points[i] / top
                    if (i === 0)
                        ctx.moveTo(x, y)
                    else
                        ctx.lineTo(x, y)
                }
                ctx.stroke()
            }
            Connections {
                target: root.diagnostics
                function onHistoryChanged() { sparkline.requestPaint() }
            }
        }
        Figure { objectName: "mean"; caption: "mean, 1 min"; figure: root.meanText }
        Figure { objectName: "traffic"; caption: "traffic"; figure: root.trafficText }
        Figure { objectName: "cycle"; caption: "poll cycle"; figure: root.cycleText }
        Figure {
            objectName: "overruns"
            caption: "overruns"
            figure: String(root.overruns)
            figureColor: root.overruns > 0 ? Theme.warning : Theme.text
        }
        Figure {
            objectName: "failures"
            caption: "failed"
            figure: String(root.failures)
            figureColor: root.failures > 0 ? Theme.alarm : Theme.text
        }
    }
}
