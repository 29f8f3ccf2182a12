using MFuser.Scenes;

namespace MFuser.Training.Learning;

/// <summary>The real synthetic-drive renderer of MFuser.Scenes as a training/evaluation scene source.</summary>
public sealed class RendererSource : ISceneSource
{
    private readonly SceneRenderer renderer = new();

    public void Render(int seed, Domain domain, int width, int height, Span<byte> bgr, Span<byte> labels) =>
        renderer.Render(seed, domain, width, height, bgr, labels);
}
