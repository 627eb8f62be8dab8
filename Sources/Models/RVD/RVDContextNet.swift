// RVD's context net `CondNet` (modules/temporal_models.py:178-220 of buggyyang/RVD;
// docs/models/rvd.md §5): per level a ResNet block and a ConvGRU cell; the GRU states are the context
// maps, one per resolution of the denoiser. Parameter names are the reference's below `history_fn.`.

import ZooCore

/// The recurrent context encoder. Cells hold no state: `callAsFunction(_:states:)` takes the hidden
/// states and returns the new ones, which are also the context maps.
public final class RVDContextNet: Module {
    public let downs: [RVDRecurrentLevel]

    /// `CondNet(dim, dim_mults, channels)` (with the reference's dim = context_dim_factor·embed_dim).
    public init(dim: Int, dimMults: [Int], channels: Int, rng: inout RandomGenerator) {
        let dims = [channels] + dimMults.map { dim * $0 }
        var downs: [RVDRecurrentLevel] = []
        for i in 0..<dimMults.count {
            downs.append(RVDRecurrentLevel(dims[i], dims[i + 1], downsample: i < dimMults.count - 1, rng: &rng))
        }
        self.downs = downs
    }

    /// Zero hidden states for frames of `height` x `width` (level i at 1/2^i, as `init_state`).
    public func zeroStates(batch: Int, height: Int, width: Int) -> [Tensor] {
        downs.enumerated().map { i, level in
            level.gru.zeroState(batch: batch, height: height >> i, width: width >> i)
        }
    }

    /// Reads one frame [B, C, H, W]: returns the new states = context maps [B, c_i, H/2^i, W/2^i].
    public func callAsFunction(_ frame: Tensor, states: [Tensor]) -> [Tensor] {
        require(states.count == downs.count, "RVDContextNet has \(downs.count) levels, got \(states.count) states")
        var x = frame
        var out: [Tensor] = []
        for (level, state) in zip(downs, states) {
            x = level(x, state: state)
            out.append(x)
            if let down = level.down { x = down(x) }
        }
        return out
    }
}
