// Dropout as a layer (no parameters; training mode and randomness are arguments).

/// Inverted dropout with probability `probability` (see `dropout(_:probability:training:rng:)`).
import ZooTensor

public final class Dropout: Module {
    public let probability: Float

    public init(probability: Float = 0.5) {
        require(probability >= 0 && probability <= 1, "dropout probability must be in [0, 1], got \(probability)")
        self.probability = probability
    }

    /// Zeroes elements with `probability` and rescales the rest when `training`; the identity otherwise.
    public func callAsFunction(_ x: Tensor, training: Bool, rng: inout RandomGenerator) -> Tensor {
        dropout(x, probability: probability, training: training, rng: &rng)
    }
}
