namespace MFuser.Scenes.Rendering;

/// <summary>Surface materials; <see cref="Materials.Shade"/> gives their albedo, emission and cut-outs.</summary>
public enum Material : byte
{
    Facade, Wall, Fence, Hedge, Foliage, Trunk, Pole, LampHead, Sign, TrafficLight,
    Skin, Clothing, Trousers, VehicleSide, VehicleRear, VehicleFront, Glass, Cargo, TwoWheelSide, TwoWheelEnd,
}
