import { startScriptedModel } from "@dispatch/testkit";
const m = await startScriptedModel();
console.log(m.baseURL);
await m.close();
