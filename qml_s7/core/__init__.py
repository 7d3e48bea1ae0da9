"""The Qt-free core: addresses, value codecs, errors, the read plan and the jobs.

Nothing here imports Qt or another layer of qml-s7; everything is tested on bytes.
"""
