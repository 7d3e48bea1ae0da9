"""Between the QML types and the link: one session per client, with its members and batches."""
