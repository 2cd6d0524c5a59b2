"""The desktop's widgets, dialogs and Qt item models: the only layer that imports QtWidgets/QtGui."""
