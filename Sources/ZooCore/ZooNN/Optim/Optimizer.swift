// The optimizer base: per-parameter state keyed by parameter name, updates outside the tape.
//
// Hyper-parameters are Doubles, like PyTorch's Python floats, and per-step constants (bias corrections,
// step sizes) are computed in Double and rounded to Float once, as torch.optim does; the tensor
// arithmetic is Float32. An update never writes into a parameter's storage: it builds the new value in
// one pass over raw buffers and assigns it to `Parameter.value` (a fresh tape leaf). Slot tensors
// (momentum, moments) belong to the optimizer alone and are updated in place; `exportState()` copies.

/// An optimizer's complete state, for checkpoints: the step counter, the learning rate and, for each
/// parameter name, its named slots (PyTorch's names: `step`, `exp_avg`, `exp_avg_sq`, `momentum_buffer`).
import ZooTensor

public struct OptimizerState {
    /// Number of `update` calls made.
    public var stepCount: Int
    /// The learning rate at export time.
    public var learningRate: Double
    /// Slots by parameter name, then slot name.
    public var slots: [String: [String: Tensor]]

    public init(stepCount: Int, learningRate: Double, slots: [String: [String: Tensor]]) {
        self.stepCount = stepCount
        self.learningRate = learningRate
        self.slots = slots
    }
}

/// Base class of the optimizers. Subclasses implement `updatedValue(_:gradient:state:)` for one
/// parameter; `update(_:gradients:)` runs it for every parameter that has a gradient.
open class Optimizer {
    /// The learning rate used by the next update (a schedule sets it between steps).
    public var learningRate: Double
    /// Number of `update` calls made so far.
    public private(set) var stepCount: Int = 0
    /// Slots by parameter name (owned exclusively; mutated in place by subclasses).
    var slots: [String: [String: Tensor]] = [:]

    public init(learningRate: Double) {
        require(learningRate >= 0, "learning rate must be ≥ 0, got \(learningRate)")
        self.learningRate = learningRate
    }

    /// One optimisation step: every parameter with a non-nil gradient gets a new value. Parameters are
    /// matched with their state by name, so pass the same names each step (`namedParameters()`).
    ///
    /// - Parameters:
    ///   - parameters: named parameters (e.g. `model.namedParameters()`).
    ///   - gradients: one gradient per parameter, of its shape; nil skips the parameter (like a PyTorch
    ///     parameter whose `.grad` is None: no update, its state unchanged).
    public final func update(_ parameters: [(String, Parameter)], gradients: [Tensor?]) {
        require(parameters.count == gradients.count,
                     "update got \(parameters.count) parameters and \(gradients.count) gradients")
        stepCount += 1
        noGrad {
            for ((name, parameter), gradient) in zip(parameters, gradients) {
                guard let gradient else { continue }
                require(gradient.shape == parameter.shape,
                             "gradient for \(name) has shape \(gradient.shape), parameter has \(parameter.shape)")
                var state = slots[name] ?? [:]
                parameter.value = updatedValue(parameter.value, gradient: gradient.detached(), state: &state)
                slots[name] = state
            }
        }
    }

    /// The new value of one parameter. `state` starts empty for a parameter seen the first time; slot
    /// tensors in it may be updated in place (they are never shared).
    open func updatedValue(_ value: Tensor, gradient: Tensor, state: inout [String: Tensor]) -> Tensor {
        fatalError("\(type(of: self)) must override updatedValue(_:gradient:state:)")
    }

    /// A copy of the state (independent of later updates).
    public func exportState() -> OptimizerState {
        OptimizerState(stepCount: stepCount, learningRate: learningRate,
                       slots: slots.mapValues { $0.mapValues { $0.copy() } })
    }

    /// Replaces the state with a copy of `state` (learning rate included).
    public func importState(_ state: OptimizerState) {
        stepCount = state.stepCount
        learningRate = state.learningRate
        slots = state.slots.mapValues { $0.mapValues { $0.copy() } }
    }

    /// The slots of the parameter `name` (read-only copies), or nil before its first update.
    public func slots(for name: String) -> [String: Tensor]? { slots[name]?.mapValues { $0.copy() } }
}

/// Gradients of a scalar `loss` with respect to named parameters, in their order.
public func gradients(of loss: Tensor, wrt parameters: [(String, Parameter)]) -> [Tensor] {
    gradients(of: loss, wrt: parameters.map { $0.1.value })
}

/// A scalar slot holding a step count (stored as a Float tensor, as PyTorch's `state["step"]`).
@inline(__always) func stepSlot(_ state: [String: Tensor]) -> Int {
    state["step"].map { Int($0.item) } ?? 0
}
