import { configOrExit } from "./lib/config";

configOrExit();
