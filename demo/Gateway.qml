// The gateway of `qml-s7 demo --gateway`: the one connection to the tank's PLC, shared with
// the demo panel (and any other panel) through an MQTT broker. `qml-s7 demo --gateway` runs
// it as `qml-s7 gateway Gateway.qml --set plcPort=... --set broker=...` in a process of its
// own, as a plant would. It publishes what Panel.qml shows, under the same tag names, and
// lets panels write the tank's commands and setpoints, nothing else.
import QmlS7

Object {
    id: root
    property string plcHost: "127.0.0.1"
    property int plcPort: 102
    property int plcRack: 0
    property int plcSlot: 1
    property string broker: "mqtt://127.0.0.1:1883"
    property string name: "demo"        // the panels' S7RemoteClient.gateway

    S7Client {
        hostname: root.plcHost; port: root.plcPort
        rack: root.plcRack; slot: root.plcSlot
        connectionType: S7Client.OP
        pollInterval: 200                   // as the panel's own S7Client polls

        S7TagTable { files: ["Tank.db", "PLC tags.xlsx"]; dbNumbers: ({ "Tank": 1 }) }

        // Commands and setpoints: what panels may write (below).
        S7Variable { id: pump; name: '"Tank".Pump' }
        S7Variable { id: valve; name: '"Tank".DrainValve' }
        S7Variable { id: heater; name: '"Tank".Heater' }
        S7Variable { id: ack; name: '"Tank".Ack' }
        S7Variable { id: levelLimit; name: '"Tank".LevelLimit'; property string unit: "%" }
        S7Variable { id: tempSetpoint; name: '"Tank".TempSetpoint'; property string unit: "°C" }
        S7Variable { id: pumpSpeed; name: '"Tank".PumpSpeed'; property string unit: "%" }
        // Process values: read only for the panels.
        S7Variable {
            name: '"Tank".Level'; property string unit: "%"
            Polling on data { interval: 100 }   // the level faster than the rest
        }
        S7Variable { name: '"Tank".Temperature'; property string unit: "°C" }
        S7Variable { name: '"Tank".Alarm' }
        S7Variable { name: '"Tank".DryRunInterlock' }
        S7Variable { name: '"Tank".RunningHours'; property string unit: "h" }
        S7Variable { name: '"Tank".Inflow'; property string unit: "l/min" }
        S7Variable { name: '"Tank".Outflow'; property string unit: "l/min" }
        S7Variable { name: "Pump_Running" }
        S7Variable { name: "Valve_Open" }
        S7Variable { name: "Heater_On" }
        S7Variable { name: "Heartbeat" }
    }

    S7Gateway {
        broker: root.broker
        name: root.name
        writable: [pump, valve, heater, ack, levelLimit, tempSetpoint, pumpSpeed]
    }
}
