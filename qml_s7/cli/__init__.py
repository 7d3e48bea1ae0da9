"""The ``qml-s7`` command and what it is made of: the panel runner, lint, type information,
the display check and QML warnings with hints. Imports every other layer; none imports it."""
