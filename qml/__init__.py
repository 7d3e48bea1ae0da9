"""QML files shipped with qml-s7: the module ``QmlS7.Controls`` (HMI widgets) under ``QmlS7/Controls``."""
