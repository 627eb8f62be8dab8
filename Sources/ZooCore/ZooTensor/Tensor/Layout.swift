// The one video layout of the zoo.
//
// Videos are tensors of shape [batch, time, channels, height, width] (B, T, C, H, W), Float32, with
// pixel values in [-1, 1] inside models. Single frames and feature maps are [B, C, H, W] (NCHW), and
// 3-D convolutions take [B, C, D, H, W]. Predictions with several samples are [B, S, T, C, H, W].
// Every model checks its input against this layout and names it in its error message.

/// Named axes of the video layout [B, T, C, H, W].
public enum VideoAxis {
    public static let batch = 0
    public static let time = 1
    public static let channels = 2
    public static let height = 3
    public static let width = 4
}
