return MFuser.Training.Cli.TrainCli.Run(args);
