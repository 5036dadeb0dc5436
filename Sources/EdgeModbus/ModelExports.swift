// The driver's API speaks in the model's types (points, plans, errors): re-export them so a
// user of the driver does not need a second import.
@_exported public import ModbusModel
