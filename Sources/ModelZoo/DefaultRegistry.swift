// The one list of registered models. Models join it when their issue lands; placeholders never do.
import ZooCore

/// Names of the models the zoo registers (empty until the framework and the first model land).
public let registeredModelNames: [String] = []
