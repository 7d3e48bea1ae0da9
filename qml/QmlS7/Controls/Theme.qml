pragma Singleton
import QtQuick

// The one place for the colours, font sizes and metrics of the QmlS7.Controls widgets.
// Override per widget through their colour properties, or restyle all of them here.
QtObject {
    // Surfaces and text
    readonly property color background: "#f4f6f8"
    readonly property color surface: "#ffffff"
    readonly property color border: "#cfd6de"
    readonly property color text: "#1f2933"
    readonly property color textMuted: "#66788a"
    readonly property color accent: "#1565c0"

    // States
    readonly property color ok: "#2e7d32"
    readonly property color warning: "#ef8f00"
    readonly property color alarm: "#c62828"
    readonly property color off: "#c4ccd4"
    readonly property color invalid: "#9aa5b1"       // text and lines of a value that is not valid
    readonly property color invalidFill: "#e4e8ec"   // background of invalid parts (trend gaps)

    // Fonts (pixel sizes)
    readonly property int fontSmall: 11
    readonly property int fontNormal: 13
    readonly property int fontLarge: 22

    // Metrics
    readonly property int radius: 4
    readonly property int spacing: 6
    readonly property int padding: 8
    readonly property int borderWidth: 1
    readonly property int blinkInterval: 500  // ms, for blinking lamps
    readonly property int toolTipDelay: 300   // ms before an error tool tip shows

    // What a value that is not valid shows
    readonly property string invalidText: "--"
}
