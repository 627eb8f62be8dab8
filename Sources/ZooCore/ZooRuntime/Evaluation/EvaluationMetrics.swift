// Which metrics an evaluation computes, with the pretrained networks LPIPS and FVD need.
//
// The evaluator scores predictions through `MetricAccumulator`, the same code `zoo metrics` runs on files, so a
// number from `zoo eval` or `zoo compare` means what the same number from `zoo metrics` means. CRPS, MSE, PSNR
// and SSIM need nothing; LPIPS and FVD need their converted weights (`zoo weights fetch`).

import Foundation
import ZooTensor
import ZooNN
import ZooData
import ZooMetrics

/// The metrics of an evaluation and the networks they run.
public struct EvaluationMetrics: @unchecked Sendable {
    /// The metrics asked for, in report order (`.mse` also gives the MSE of the sample mean).
    public var kinds: [MetricKind]
    /// The LPIPS network (needed when `kinds` holds `.lpips`).
    public var lpips: LPIPSNetwork?
    /// The I3D network (needed when `kinds` holds `.fvd`).
    public var i3d: I3DNetwork?
    /// Why a metric asked for will not be computed (one line each), e.g. missing optional weights.
    public var notes: [String]
    /// Shared by every evaluation made with these metrics: the real clips' I3D features, computed once for
    /// models evaluated on the same clips (nil: no sharing).
    public var realFeatureMemo: I3DFeatureMemo?

    /// Metrics with their networks; a precondition checks that LPIPS and FVD have theirs.
    public init(kinds: [MetricKind], lpips: LPIPSNetwork? = nil, i3d: I3DNetwork? = nil, notes: [String] = []) {
        require(!kinds.contains(.lpips) || lpips != nil, "EvaluationMetrics: LPIPS needs its network")
        require(!kinds.contains(.fvd) || i3d != nil, "EvaluationMetrics: FVD needs the I3D network")
        self.kinds = kinds
        self.lpips = lpips
        self.i3d = i3d
        self.notes = notes
    }

    /// CRPS, MSE (and MSE of the sample mean), PSNR and SSIM: no pretrained network needed.
    public static let basic = EvaluationMetrics(kinds: [.crps, .mse, .psnr, .ssim])

    /// The default of `zoo eval` and `zoo compare`: the basic metrics and LPIPS when its weights are present.
    /// FVD is left to be asked for: it runs a full-width I3D over every clip at 224x224.
    public static let standardKinds: [MetricKind] = [.crps, .mse, .psnr, .ssim, .lpips]

    /// The metrics named, with the networks loaded from the weights folder.
    ///
    /// - Parameters:
    ///   - kinds: the metrics, in report order.
    ///   - optional: metrics left out, with a one-line note saying how to get their weights, when their weights
    ///     are missing (the others throw).
    ///   - weightsDirectory: the weights folder (default: `MetricWeights.directory`).
    /// - Throws: `MetricWeightsError` for a metric not in `optional` whose weights are missing or unusable.
    public static func load(_ kinds: [MetricKind], optional: Set<MetricKind> = [],
                            weightsDirectory: String? = nil) throws -> EvaluationMetrics {
        var kept = kinds
        var notes: [String] = []
        for kind in MetricWeightsKind.allCases {
            let metric: MetricKind = kind == .lpipsAlexNet ? .lpips : .fvd
            guard kept.contains(metric), optional.contains(metric),
                  !MetricWeights.isAvailable(kind, in: weightsDirectory) else { continue }
            kept.removeAll { $0 == metric }
            notes.append("\(kind.metricName) not computed: its weights are not at \(MetricWeights.path(for: kind, in: weightsDirectory)); "
                         + "`zoo weights fetch` gets them (or set ZOO_WEIGHTS_DIR)")
        }
        let lpips = kept.contains(.lpips) ? try LPIPSNetwork.pretrained(in: weightsDirectory) : nil
        let i3d = kept.contains(.fvd) ? try I3DNetwork.pretrained(in: weightsDirectory) : nil
        return EvaluationMetrics(kinds: kept, lpips: lpips, i3d: i3d, notes: notes)
    }

    /// The metrics that clips of this geometry allow, with a note for each one dropped.
    ///
    /// SSIM's 11x11 window needs frames of at least 11x11; LPIPS's AlexNet needs 31x31 (two stride-2 poolings
    /// after a stride-4 convolution); FVD needs at least 2 clips (a covariance) of at least 9 frames (I3D's
    /// temporal pooling), counting the context in front.
    func feasible(clips: Int, clipFrames: Int, height: Int, width: Int) -> (kinds: [MetricKind], notes: [String]) {
        var kinds: [MetricKind] = []
        var notes: [String] = []
        for kind in self.kinds {
            switch kind {
            case .ssim where height < SSIMParameters.minimumSize || width < SSIMParameters.minimumSize:
                notes.append("SSIM not computed: frames are \(height)x\(width), its window needs at least "
                             + "\(SSIMParameters.minimumSize)x\(SSIMParameters.minimumSize)")
            case .lpips where height < LPIPSNetwork.minimumSize || width < LPIPSNetwork.minimumSize:
                notes.append("LPIPS not computed: frames are \(height)x\(width), AlexNet needs at least "
                             + "\(LPIPSNetwork.minimumSize)x\(LPIPSNetwork.minimumSize)")
            case .fvd where clips < 2:
                notes.append("FVD not computed: it needs at least 2 test clips, have \(clips)")
            case .fvd where clipFrames < I3DNetwork.minimumFrames:
                notes.append("FVD not computed: clips of \(clipFrames) frames (context + predicted); I3D needs at least "
                             + "\(I3DNetwork.minimumFrames)")
            default:
                kinds.append(kind)
            }
        }
        return (kinds, notes)
    }
}
