"""The admin's screen: sync health of the workstations, stuck sagas and the dead-letter queue."""
