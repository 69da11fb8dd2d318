/**
 * Draws a shared Scene (main/lab/media/scene.ts) with Pixi v8. One Application per canvas, created
 * once; each frame clears and refills a single Graphics and reuses a small pool of Text objects,
 * so playing thousands of frames allocates no GPU resources after the first.
 */
// Must come before any renderer exists: swaps Pixi's `new Function` shader/uniform code generation
// for static polyfills, which our CSP (no 'unsafe-eval') requires.
import 'pixi.js/unsafe-eval';
import { Application, Container, Graphics, Text } from 'pixi.js';
import { rgbToNumber, SCENE_HEIGHT, SCENE_WIDTH, type Scene } from '@shared/scene.ts';

export class PixiScene {
  private readonly graphics = new Graphics();
  private readonly texts: Text[] = [];
  private readonly root = new Container();
  private readonly observer: ResizeObserver;
  private destroyed = false;
  private last: Scene | null = null;
  private size = { width: 0, height: 0 };

  private constructor(
    private readonly app: Application,
    private readonly host: HTMLElement,
  ) {
    this.root.addChild(this.graphics);
    app.stage.addChild(this.root);
    host.appendChild(app.canvas);
    // Render at the element's real pixel size (crisp at any width), scaling the 600×400 scene into it.
    this.observer = new ResizeObserver(() => this.fit());
    this.observer.observe(host);
    this.fit();
  }

  /** Resolves once Pixi has a renderer; rejects when WebGL is unavailable. */
  static async create(host: HTMLElement): Promise<PixiScene> {
    const app = new Application();
    await app.init({
      width: SCENE_WIDTH,
      height: SCENE_HEIGHT,
      background: 0x000000,
      // Transparent until the first frame (see blank()); also makes the WebGL context alpha-capable.
      backgroundAlpha: 0,
      antialias: true,
      resolution: window.devicePixelRatio || 1,
      autoDensity: true,
      // WebGL is predictable across Electron and browsers; WebGPU buys nothing for a few shapes.
      preference: 'webgl',
      // We render only when a frame changes; no ticker burning a core at 60 fps.
      autoStart: false,
      sharedTicker: false,
    });
    return new PixiScene(app, host);
  }

  draw(scene: Scene): void {
    if (this.destroyed) return;
    this.last = scene;
    const g = this.graphics;
    g.clear();
    this.app.renderer.background.color = rgbToNumber(scene.background);
    this.app.renderer.background.alpha = 1;
    let textIndex = 0;
    for (const s of scene.shapes) {
      switch (s.kind) {
        case 'polygon':
          g.poly(s.points.flat(), true);
          if (s.fill) g.fill({ color: rgbToNumber(s.fill) });
          if (s.stroke) g.stroke({ color: rgbToNumber(s.stroke), width: s.strokeWidth ?? 1 });
          break;
        case 'circle':
          g.circle(s.x, s.y, s.r);
          if (s.fill) g.fill({ color: rgbToNumber(s.fill) });
          if (s.stroke) g.stroke({ color: rgbToNumber(s.stroke), width: s.strokeWidth ?? 1 });
          break;
        case 'line':
          g.moveTo(s.x1, s.y1)
            .lineTo(s.x2, s.y2)
            .stroke({ color: rgbToNumber(s.color), width: s.width });
          break;
        case 'text': {
          const t = this.textAt(textIndex++);
          t.text = s.text;
          t.style.fontSize = s.size;
          t.style.fill = rgbToNumber(s.color);
          t.anchor.set(s.align === 'left' ? 0 : s.align === 'right' ? 1 : 0.5, 0.5);
          t.position.set(s.x, s.y);
          t.visible = true;
          break;
        }
      }
    }
    for (let i = textIndex; i < this.texts.length; i++) this.texts[i].visible = false;
    this.app.render();
  }

  /**
   * The frame on screen as a PNG at the env's native render size (Gymnasium's 600×400, what
   * render_mode="rgb_array" and the GIF export give), whatever size the canvas has on screen. The
   * WebGL context does not preserve its drawing buffer (cheaper), so resize, render and read back in
   * the same task: toBlob snapshots the bitmap synchronously, before the compositor can swap the
   * buffer away; the screen size comes back before the task ends, so nothing flickers.
   */
  toPng(): Promise<Blob> {
    if (this.destroyed) return Promise.reject(new Error('the canvas is gone'));
    const renderer = this.app.renderer;
    const resolution = renderer.resolution;
    renderer.resize(SCENE_WIDTH, SCENE_HEIGHT, 1);
    this.root.scale.set(1);
    if (this.last) this.draw(this.last);
    else this.app.render();
    const canvas = this.app.canvas as HTMLCanvasElement;
    const png = new Promise<Blob>((resolve, reject) => {
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the canvas could not be encoded as PNG'))), 'image/png');
    });
    renderer.resize(this.size.width, this.size.height, resolution);
    this.root.scale.set(this.size.width / SCENE_WIDTH);
    if (this.last) this.draw(this.last);
    else this.app.render();
    return png;
  }

  /** Nothing to show: a transparent canvas, so the page's own empty-state styling shows through. */
  blank(): void {
    if (this.destroyed) return;
    this.last = null;
    this.graphics.clear();
    for (const t of this.texts) t.visible = false;
    // Black as well as alpha 0: the canvas is premultiplied, so a white clear colour at alpha 0
    // would still show as white.
    this.app.renderer.background.color = 0x000000;
    this.app.renderer.background.alpha = 0;
    this.app.render();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.observer.disconnect();
    this.app.destroy({ removeView: true }, { children: true, texture: true, textureSource: true });
  }

  private textAt(i: number): Text {
    let t = this.texts[i];
    if (!t) {
      t = new Text({ text: '', style: { fontFamily: 'system-ui, sans-serif', fontSize: 16, fill: 0x000000 } });
      this.texts.push(t);
      this.root.addChild(t);
    }
    return t;
  }

  private fit(): void {
    if (this.destroyed) return;
    const width = Math.max(1, Math.round(this.host.clientWidth));
    const height = Math.round((width * SCENE_HEIGHT) / SCENE_WIDTH);
    if (width === this.size.width && height === this.size.height) return;
    this.size = { width, height };
    this.app.renderer.resize(width, height);
    this.root.scale.set(width / SCENE_WIDTH);
    // Resizing clears the drawing buffer: paint again, frame or blank.
    if (this.last) this.draw(this.last);
    else this.app.render();
  }
}
