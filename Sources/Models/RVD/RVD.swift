// The RVD model family. Its networks, config and VideoPredictor conformance arrive with its own issue;
// until then this target only reserves its place in the package, and nothing is registered for it.
import ZooCore

/// Namespace for the RVD family (not registered yet).
public enum RVDFamily {}
