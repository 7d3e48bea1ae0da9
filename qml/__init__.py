"""QML files shipped with qml-s7: ``QmlS7.Controls`` (HMI widgets, in ``QmlS7/Controls``)."""
