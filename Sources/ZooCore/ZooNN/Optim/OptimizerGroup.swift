// The optimizers of one model, by group: what `VideoPredictor.makeOptimizers` returns and `trainStep` uses.

/// The optimizers of a model by group name ("model" for most; "generator" and "discriminator" for GANs),
/// each with the named parameters it updates, its learning-rate schedule and whether the trainer's EMA
/// covers it.
import ZooTensor

public final class OptimizerGroup {
    public struct Member {
        public let optimizer: Optimizer
        public let parameters: [(String, Parameter)]
        /// The learning-rate schedule the trainer applies before each step.
        public let schedule: LearningRateSchedule
        /// Whether the trainer's EMA of the weights covers this group (a GAN's discriminator: no).
        public let ema: Bool
    }

    public private(set) var members: [(String, Member)] = []

    /// Averages each group's gradients across processes before its update (data-parallel training);
    /// nil: a single process.
    public var reducer: GradientReducer?

    public init() {}

    /// Adds a group. Names must be unique.
    /// - Parameters:
    ///   - schedule: the learning rate per step (nil: the optimizer's rate throughout).
    ///   - ema: whether the trainer's EMA (when the run keeps one) covers these parameters.
    public func add(_ name: String, optimizer: Optimizer, parameters: [(String, Parameter)],
                    schedule: LearningRateSchedule? = nil, ema: Bool = true) {
        require(!members.contains { $0.0 == name }, "optimizer group \(name) added twice")
        members.append((name, Member(optimizer: optimizer, parameters: parameters,
                                     schedule: schedule ?? .constant(optimizer.learningRate), ema: ema)))
    }

    public subscript(name: String) -> Member? { members.first { $0.0 == name }?.1 }

    /// The group called `name`; traps with the known names (a model asking for a group it did not make is
    /// a programming error).
    public func member(_ name: String) -> Member {
        guard let member = self[name] else {
            requirementFailed("no optimizer group '\(name)' (groups: \(members.map(\.0).joined(separator: ", ")))")
        }
        return member
    }

    /// The parameters of group `name`.
    public func parameters(_ name: String) -> [(String, Parameter)] { member(name).parameters }

    /// The optimizer of group `name`.
    public func optimizer(_ name: String) -> Optimizer { member(name).optimizer }

    /// One update of group `group`: the gradients of `loss` with respect to that group's parameters (other
    /// parameters are left alone), averaged across processes when there is a `reducer`, then the
    /// optimizer's step.
    public func minimize(_ loss: Tensor, group: String = "model") {
        let member = member(group)
        var grads: [Tensor?] = gradients(of: loss, wrt: member.parameters)
        if let reducer { grads = reducer.reduce(grads, group: group) }
        member.optimizer.update(member.parameters, gradients: grads)
    }

    /// The parameters the trainer's EMA covers, in group order.
    public var emaParameters: [(String, Parameter)] { members.filter { $0.1.ema }.flatMap { $0.1.parameters } }

    /// Sets every optimizer's learning rate for `step` from its schedule.
    public func applySchedules(step: Int) {
        for (_, m) in members { m.optimizer.learningRate = m.schedule.learningRate(at: step) }
    }
}
