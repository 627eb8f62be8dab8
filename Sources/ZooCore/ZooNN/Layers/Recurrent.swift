// Recurrent cells over vectors: LSTMCell and GRUCell with PyTorch's semantics and parameter names.
// Cells hold no state: each call takes the previous state and returns the next one.

/// The state of an LSTM cell: hidden `h` and cell `c`, each [B, hidden] (or [B, hidden, H, W] for
/// convolutional cells).
import ZooTensor

public typealias LSTMState = (h: Tensor, c: Tensor)

/// PyTorch's `nn.LSTMCell`. Gates in PyTorch's order input, forget, cell (g), output:
///   [i f g o] = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh
///   i, f, o = σ(·), g = tanh(·), c' = f⊙c + i⊙g, h' = o⊙tanh(c').
/// Names: `weight_ih` [4H, I], `weight_hh` [4H, H], `bias_ih` [4H], `bias_hh` [4H].
public final class LSTMCell: RecurrentCellWeights {
    /// PyTorch initialisation: every weight and bias ~ U(±1/√hiddenSize).
    public init(inputSize: Int, hiddenSize: Int, bias: Bool = true, rng: inout RandomGenerator) {
        super.init(gates: 4, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, rng: &rng)
    }

    /// Zero hidden and cell states for `batch` sequences.
    public func zeroState(batch: Int) -> LSTMState {
        (Tensor.zeros([batch, hiddenSize]), Tensor.zeros([batch, hiddenSize]))
    }

    /// One step: `x` [B, inputSize], `state` ([B, hidden], [B, hidden]) → the next state.
    public func callAsFunction(_ x: Tensor, state: LSTMState) -> LSTMState {
        require(x.rank == 2 && x.shape[1] == inputSize, "LSTMCell(\(inputSize)→\(hiddenSize)) got input \(x.shape)")
        var gates = matmul(x, weightIH.value, transposeB: true) + matmul(state.h, weightHH.value, transposeB: true)
        if let biasIH { gates = gates + biasIH.value }
        if let biasHH { gates = gates + biasHH.value }
        let n = hiddenSize
        let i = sigmoid(gates.sliced(axis: 1, 0..<n))
        let f = sigmoid(gates.sliced(axis: 1, n..<(2 * n)))
        let g = tanh(gates.sliced(axis: 1, (2 * n)..<(3 * n)))
        let o = sigmoid(gates.sliced(axis: 1, (3 * n)..<(4 * n)))
        let c = f * state.c + i * g
        return (o * tanh(c), c)
    }
}

/// PyTorch's `nn.GRUCell`. Gates in PyTorch's order reset, update, new:
///   r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
///   n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn)), h' = (1 − z)⊙n + z⊙h.
/// Names: `weight_ih` [3H, I], `weight_hh` [3H, H], `bias_ih` [3H], `bias_hh` [3H].
public final class GRUCell: RecurrentCellWeights {
    /// PyTorch initialisation: every weight and bias ~ U(±1/√hiddenSize).
    public init(inputSize: Int, hiddenSize: Int, bias: Bool = true, rng: inout RandomGenerator) {
        super.init(gates: 3, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, rng: &rng)
    }

    /// A zero hidden state for `batch` sequences.
    public func zeroState(batch: Int) -> Tensor { Tensor.zeros([batch, hiddenSize]) }

    /// One step: `x` [B, inputSize], `state` [B, hidden] → the next hidden state.
    public func callAsFunction(_ x: Tensor, state h: Tensor) -> Tensor {
        require(x.rank == 2 && x.shape[1] == inputSize, "GRUCell(\(inputSize)→\(hiddenSize)) got input \(x.shape)")
        var gi = matmul(x, weightIH.value, transposeB: true)
        var gh = matmul(h, weightHH.value, transposeB: true)
        if let biasIH { gi = gi + biasIH.value }
        if let biasHH { gh = gh + biasHH.value }
        let n = hiddenSize
        let r = sigmoid(gi.sliced(axis: 1, 0..<n) + gh.sliced(axis: 1, 0..<n))
        let z = sigmoid(gi.sliced(axis: 1, n..<(2 * n)) + gh.sliced(axis: 1, n..<(2 * n)))
        let candidate = tanh(gi.sliced(axis: 1, (2 * n)..<(3 * n)) + r * gh.sliced(axis: 1, (2 * n)..<(3 * n)))
        return (1 - z) * candidate + z * h
    }
}

/// The parameters `LSTMCell` and `GRUCell` share, under PyTorch's names: `weight_ih` [G·H, I],
/// `weight_hh` [G·H, H], `bias_ih` [G·H], `bias_hh` [G·H] for G gates of H hidden units.
public class RecurrentCellWeights: Module {
    public let weightIH: Parameter
    public let weightHH: Parameter
    public let biasIH: Parameter?
    public let biasHH: Parameter?
    public let inputSize: Int
    public let hiddenSize: Int

    /// PyTorch initialisation: every weight and bias ~ U(±1/√hiddenSize), drawn in the order weight_ih,
    /// weight_hh, bias_ih, bias_hh.
    init(gates: Int, inputSize: Int, hiddenSize: Int, bias: Bool, rng: inout RandomGenerator) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        let bound = 1 / Float(hiddenSize).squareRoot(), rows = gates * hiddenSize
        weightIH = Parameter(Init.uniform([rows, inputSize], low: -bound, high: bound, rng: &rng))
        weightHH = Parameter(Init.uniform([rows, hiddenSize], low: -bound, high: bound, rng: &rng))
        biasIH = bias ? Parameter(Init.uniform([rows], low: -bound, high: bound, rng: &rng)) : nil
        biasHH = bias ? Parameter(Init.uniform([rows], low: -bound, high: bound, rng: &rng)) : nil
    }

    public func key(forProperty name: String) -> String? {
        ["weightIH": "weight_ih", "weightHH": "weight_hh", "biasIH": "bias_ih", "biasHH": "bias_hh"][name] ?? name
    }
}
