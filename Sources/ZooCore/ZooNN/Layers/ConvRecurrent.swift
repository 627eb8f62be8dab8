// Convolutional recurrent cells over feature maps [B, C, H, W]: ConvGRUCell exactly as RVD's and a
// ConvLSTMCell. Cells hold no state; several stacked layers are supported as in RVD's `n_layer`, layer
// i > 0 reading layer i − 1's new hidden state. Parameter names follow RVD's modules.

/// The order of the four gate blocks in an LSTM's gate tensor.
import ZooTensor

public enum LSTMGateOrder: Sendable {
    /// input, forget, cell (g), output: PyTorch's `nn.LSTM`/`nn.LSTMCell`.
    case ifgo
    /// input, forget, output, cell (g): RVD's `ConvLSTMCell` and IVRNN's `NormConvLSTMCell`.
    case ifog
}

/// RVD's `ConvGRUCell(input_dim, hidden_dim, kernel_size, n_layer)` (modules/network_components.py:258-336
/// of buggyyang/RVD; docs/models/rvd.md §3). Per layer:
///   [r, u] = split(σ(conv_gates([x, h])))       (first half reset r, second half update u)
///   c̃ = tanh(conv_cans([x, r⊙h])),  h' = (1 − u)⊙h + u⊙c̃
/// Convolutions have bias and padding k/2. Names `conv_gates.i.{weight,bias}` ([2C_h, C_in + C_h, k, k])
/// and `conv_cans.i.{weight,bias}` ([C_h, C_in + C_h, k, k]); for i > 0, C_in is C_h.
public final class ConvGRUCell: Module {
    public let convGates: [Conv2d]
    public let convCans: [Conv2d]
    public let inputChannels: Int
    public let hiddenChannels: Int

    /// PyTorch default initialisation, drawn in the reference's order (all gate convs, then all candidate convs).
    public init(inputChannels: Int, hiddenChannels: Int, kernelSize: Int = 3, layerCount: Int = 1,
                rng: inout RandomGenerator) {
        require(kernelSize % 2 == 1 && layerCount >= 1, "ConvGRUCell needs an odd kernel and ≥ 1 layer")
        self.inputChannels = inputChannels
        self.hiddenChannels = hiddenChannels
        let input = { (i: Int) in (i == 0 ? inputChannels : hiddenChannels) + hiddenChannels }
        var gates: [Conv2d] = [], cans: [Conv2d] = []
        for i in 0..<layerCount {
            gates.append(Conv2d(input(i), 2 * hiddenChannels, kernelSize: kernelSize, padding: kernelSize / 2, rng: &rng))
        }
        for i in 0..<layerCount {
            cans.append(Conv2d(input(i), hiddenChannels, kernelSize: kernelSize, padding: kernelSize / 2, rng: &rng))
        }
        convGates = gates
        convCans = cans
    }

    public func key(forProperty name: String) -> String? {
        switch name {
        case "convGates": return "conv_gates"
        case "convCans": return "conv_cans"
        default: return name
        }
    }

    public var layerCount: Int { convGates.count }

    /// A zero hidden state for one layer, [batch, C_h, height, width].
    public func zeroState(batch: Int, height: Int, width: Int) -> Tensor {
        Tensor.zeros([batch, hiddenChannels, height, width])
    }

    /// Zero hidden states for every layer.
    public func zeroStates(batch: Int, height: Int, width: Int) -> [Tensor] {
        (0..<layerCount).map { _ in zeroState(batch: batch, height: height, width: width) }
    }

    /// One step of a one-layer cell: `x` [B, C_in, H, W], `h` [B, C_h, H, W] → h'.
    public func callAsFunction(_ x: Tensor, state h: Tensor) -> Tensor {
        require(layerCount == 1, "ConvGRUCell with \(layerCount) layers takes states: [Tensor]")
        return step(x, h, layer: 0)
    }

    /// One step through every layer; returns each layer's new hidden state (the last is the output).
    public func callAsFunction(_ x: Tensor, states: [Tensor]) -> [Tensor] {
        require(states.count == layerCount, "ConvGRUCell has \(layerCount) layers, got \(states.count) states")
        var input = x
        var next: [Tensor] = []
        for (i, h) in states.enumerated() {
            input = step(input, h, layer: i)
            next.append(input)
        }
        return next
    }

    private func step(_ x: Tensor, _ h: Tensor, layer i: Int) -> Tensor {
        require(x.rank == 4 && h.rank == 4 && h.shape[1] == hiddenChannels && x.shape[0] == h.shape[0]
                     && x.shape[2...] == h.shape[2...],
                     "ConvGRUCell expects x [B, C, H, W] and h [B, \(hiddenChannels), H, W], got \(x.shape), \(h.shape)")
        let n = hiddenChannels
        let gates = sigmoid(convGates[i](concat([x, h], axis: 1)))
        let reset = gates.sliced(axis: 1, 0..<n)
        let update = gates.sliced(axis: 1, n..<(2 * n))
        let candidate = tanh(convCans[i](concat([x, reset * h], axis: 1)))
        return (1 - update) * h + update * candidate
    }
}

/// A convolutional LSTM cell (RVD's `ConvLSTMCell` layout): per layer one convolution over [x, h] gives
/// the four gates; i, f, o = σ, g = tanh, c' = f⊙c + i⊙g, h' = o⊙tanh(c'). The gate order is
/// PyTorch's (i, f, g, o) by default; RVD's and IVRNN's cells use `.ifog`. Names `convs.i.{weight,bias}`
/// ([4C_h, C_in + C_h, k, k]).
public final class ConvLSTMCell: Module {
    public let convs: [Conv2d]
    public let inputChannels: Int
    public let hiddenChannels: Int
    public let gateOrder: LSTMGateOrder

    public init(inputChannels: Int, hiddenChannels: Int, kernelSize: Int = 3, layerCount: Int = 1, bias: Bool = true,
                gateOrder: LSTMGateOrder = .ifgo, rng: inout RandomGenerator) {
        require(kernelSize % 2 == 1 && layerCount >= 1, "ConvLSTMCell needs an odd kernel and ≥ 1 layer")
        self.inputChannels = inputChannels
        self.hiddenChannels = hiddenChannels
        self.gateOrder = gateOrder
        var convs: [Conv2d] = []
        for i in 0..<layerCount {
            convs.append(Conv2d((i == 0 ? inputChannels : hiddenChannels) + hiddenChannels, 4 * hiddenChannels,
                                kernelSize: kernelSize, padding: kernelSize / 2, bias: bias, rng: &rng))
        }
        self.convs = convs
    }

    public var layerCount: Int { convs.count }

    /// Zero hidden and cell states for one layer, each [batch, C_h, height, width].
    public func zeroState(batch: Int, height: Int, width: Int) -> LSTMState {
        (Tensor.zeros([batch, hiddenChannels, height, width]), Tensor.zeros([batch, hiddenChannels, height, width]))
    }

    /// Zero states for every layer.
    public func zeroStates(batch: Int, height: Int, width: Int) -> [LSTMState] {
        (0..<layerCount).map { _ in zeroState(batch: batch, height: height, width: width) }
    }

    /// One step of a one-layer cell.
    public func callAsFunction(_ x: Tensor, state: LSTMState) -> LSTMState {
        require(layerCount == 1, "ConvLSTMCell with \(layerCount) layers takes states: [LSTMState]")
        return step(x, state, layer: 0)
    }

    /// One step through every layer; returns each layer's new state (the last layer's h is the output).
    public func callAsFunction(_ x: Tensor, states: [LSTMState]) -> [LSTMState] {
        require(states.count == layerCount, "ConvLSTMCell has \(layerCount) layers, got \(states.count) states")
        var input = x
        var next: [LSTMState] = []
        for (i, s) in states.enumerated() {
            let new = step(input, s, layer: i)
            next.append(new)
            input = new.h
        }
        return next
    }

    private func step(_ x: Tensor, _ s: LSTMState, layer i: Int) -> LSTMState {
        require(x.rank == 4 && s.h.rank == 4 && s.h.shape[1] == hiddenChannels && x.shape[0] == s.h.shape[0],
                     "ConvLSTMCell expects x [B, C, H, W] and h [B, \(hiddenChannels), H, W], got \(x.shape), \(s.h.shape)")
        let n = hiddenChannels
        let gates = convs[i](concat([x, s.h], axis: 1))
        let block = { (k: Int) in gates.sliced(axis: 1, (k * n)..<((k + 1) * n)) }
        let (gIndex, oIndex) = gateOrder == .ifgo ? (2, 3) : (3, 2)
        let c = sigmoid(block(1)) * s.c + sigmoid(block(0)) * tanh(block(gIndex))
        return (sigmoid(block(oIndex)) * tanh(c), c)
    }
}
