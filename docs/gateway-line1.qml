// A gateway for the tank of `qml-s7-sim --process`: one connection to the PLC, shared with
// every panel through an MQTT broker. Run it with `qml-s7 gateway docs/gateway-line1.qml`
// (Mosquitto on this machine, port 1883); for another PLC or broker, set the root properties
// from the command line: `--set plcHost=192.168.0.10 --set plcPort=102
// --set broker=mqtt://broker.example:1883`. Panels read it with
// `S7RemoteClient { broker: "mqtt://127.0.0.1:1883"; gateway: "line1" }`.
import QmlS7

Object {
    id: root
    property string plcHost: "127.0.0.1"
    property int plcPort: 1102              // qml-s7-sim's port; a real PLC listens on 102
    property int plcRack: 0
    property int plcSlot: 1                 // S7-1200/1500: 1; S7-300: 2
    property string broker: "mqtt://127.0.0.1:1883"

    S7Client {
        id: plc
        hostname: root.plcHost; port: root.plcPort
        rack: root.plcRack; slot: root.plcSlot
        connectionType: S7Client.OP
        pollInterval: 250                   // the panels see what the gateway reads

        // The catalog gives each tag its comment (description) and unit (a unit property).
        S7Variable { id: level; name: "DB1.DBD2:REAL"; description: "Tank level"; property string unit: "%" }
        S7Variable { id: temperature; name: "DB1.DBD6:REAL"; description: "Water temperature"; property string unit: "°C" }
        S7Variable { id: pump; name: "DB1.DBX0.0"; description: "Pump" }
        S7Variable { id: valve; name: "DB1.DBX0.1"; description: "Drain valve" }
        S7Variable { id: heater; name: "DB1.DBX0.2"; description: "Heater" }
        S7Variable { id: setpoint; name: "DB1.DBD14:REAL"; description: "Temperature setpoint"; property string unit: "°C" }
        S7Variable { id: speed; name: "DB1.DBW18:INT"; description: "Pump speed"; property string unit: "%" }
        S7Variable { id: highLevel; name: "DB1.DBX1.0"; description: "High-level alarm (latched)" }
    }

    S7Gateway {
        broker: root.broker
        name: "line1"
        // Every S7Variable of this file is published; panels may write only these.
        writable: [pump, valve, heater, setpoint, speed]
    }
}
