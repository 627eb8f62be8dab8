// Exponential moving average of weights, as RVD's trainer (lucidrains' EMA helper) keeps it.

/// A shadow copy of named parameters, averaged as shadow ← decay·shadow + (1 − decay)·current.
///
/// RVD's schedule (decay 0.99, `updateEvery` 5, `startStep` 2000) is `step(_:parameters:)`: called
/// after each optimizer update with the trainer's step index s (0, 1, 2, …), it acts when
/// s % updateEvery == 0, hard-copying the current weights while s < startStep and averaging after.
/// The shadow starts as a copy of the weights it is created from. Its state exports by name.
import ZooTensor

public final class EMA {
    public let decay: Float
    public let updateEvery: Int
    public let startStep: Int
    /// The averaged weights by parameter name.
    public private(set) var shadow: [String: Tensor]

    /// Starts the shadow as a copy of `parameters`.
    public init(decay: Float, updateEvery: Int = 1, startStep: Int = 0, parameters: [(String, Parameter)]) {
        require((0...1).contains(decay), "EMA decay must be in [0, 1], got \(decay)")
        require(updateEvery > 0, "EMA updateEvery must be > 0")
        self.decay = decay
        self.updateEvery = updateEvery
        self.startStep = startStep
        shadow = [:]
        copy(from: parameters)
    }

    /// The trainer's per-step hook (see the type's documentation).
    public func step(_ step: Int, parameters: [(String, Parameter)]) {
        guard step % updateEvery == 0 else { return }
        if step < startStep { copy(from: parameters) } else { average(parameters) }
    }

    /// shadow ← decay·shadow + (1 − decay)·current, for every parameter (new names start as copies).
    public func average(_ parameters: [(String, Parameter)]) {
        let d = decay, w = 1 - decay
        for (name, p) in parameters {
            guard let old = shadow[name] else { shadow[name] = p.value.copy(); continue }
            require(old.shape == p.shape, "EMA shadow \(name) has shape \(old.shape), parameter \(p.shape)")
            shadow[name] = Kernels.zip(old, p.value.detached()) { d * $0 + w * $1 }
        }
    }

    /// Starts shadows for the parameters it does not average yet (a growing model's new stage), as copies.
    public func include(_ parameters: [(String, Parameter)]) {
        for (name, p) in parameters where shadow[name] == nil { shadow[name] = p.value.copy() }
    }

    /// shadow ← current (a hard copy).
    public func copy(from parameters: [(String, Parameter)]) {
        for (name, p) in parameters { shadow[name] = p.value.copy() }
    }

    /// Writes the shadow values into `parameters` (e.g. an evaluation copy of the model).
    public func apply(to parameters: [(String, Parameter)]) {
        for (name, p) in parameters {
            guard let v = shadow[name] else { continue }
            require(v.shape == p.shape, "EMA shadow \(name) has shape \(v.shape), parameter \(p.shape)")
            p.value = v.copy()
        }
    }

    /// The shadow by name (tensors are values; safe to keep).
    public func exportState() -> [String: Tensor] { shadow }

    /// Replaces the shadow.
    public func importState(_ state: [String: Tensor]) { shadow = state.mapValues { $0.detached() } }
}
