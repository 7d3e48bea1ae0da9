"""The QML types of ``import QmlS7``: thin faces that talk to their client's session."""
