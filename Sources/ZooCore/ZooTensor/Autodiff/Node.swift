// Tape nodes: what an op recorded, and how to send a gradient back to its inputs.

import Synchronization

/// Number of tape nodes alive in the process (for leak tests: it must return to its earlier value once a
/// training step's tensors are gone).
public let liveNodeCount = Atomic<Int>(0)

/// One recorded op: its inputs' nodes and a backward closure from the output's gradient to the inputs'.
///
/// The closure captures input tensors (never the output's own node), so the tape is a DAG with no cycles.
/// `gradients(of:wrt:)` clears closures and inputs after use unless the graph is retained.
public final class Node {
    /// The op that produced the value.
    public let op: Op
    /// Nodes of the op's inputs (nil for inputs that need no gradient).
    var inputs: [Node?]
    /// Maps the output gradient to one gradient per input (nil where none is needed).
    var backward: ((Tensor) -> [Tensor?])?

    init(op: Op, inputs: [Node?], backward: ((Tensor) -> [Tensor?])?) {
        self.op = op
        self.inputs = inputs
        self.backward = backward
        liveNodeCount.add(1, ordering: .relaxed)
    }

    deinit { liveNodeCount.subtract(1, ordering: .relaxed) }
}

extension Tensor {
    /// Returns `self` with a tape node for `op` when recording is on and an input requires a gradient.
    ///
    /// - Parameters:
    ///   - op: the primitive that produced `self`.
    ///   - inputs: the op's tensor inputs, in the order `backward` returns their gradients.
    ///   - backward: output gradient → input gradients, written with tensor ops (so it can be recorded).
    @inline(__always)
    func recorded(_ op: Op, _ inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        guard isRecordingGradients, inputs.contains(where: { $0.node != nil }) else { return self }
        var out = self
        out.node = Node(op: op, inputs: inputs.map(\.node), backward: backward)
        return out
    }
}
