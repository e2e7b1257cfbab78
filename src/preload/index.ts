/**
 * The preload: exposes exactly the API contract (one function per call, plus onPush) as
 * `window.rollcall`. No generic invoke, no Node, no process.env. Bundled to one sandboxed CJS file.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { callNames, ipcChannel, PUSH_CHANNEL } from '../shared/call-names';

const bridge: Record<string, unknown> = {};
for (const name of callNames) {
  bridge[name] = (input: unknown) => ipcRenderer.invoke(ipcChannel(name), input);
}
bridge.onPush = (listener: (message: unknown) => void) => {
  const handler = (_event: IpcRendererEvent, message: unknown): void => listener(message);
  ipcRenderer.on(PUSH_CHANNEL, handler);
  return () => {
    ipcRenderer.removeListener(PUSH_CHANNEL, handler);
  };
};

contextBridge.exposeInMainWorld('rollcall', bridge);
