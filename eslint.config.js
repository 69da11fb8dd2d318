import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'test/artifacts/**', 'runs/**', 'dist/**'] },
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
    },
  },
  {
    // The lab core must stay free of Electron so the CLI, workers and tests can share it.
    files: ['main/lab/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: ['electron'] }] },
  },
  {
    // The floors (docs/ARCHITECTURE.md): the domain definitions import nothing of the lab; the lab
    // core imports no bridge, shell or renderer; the renderer and the preload import of the lab only
    // its domain definitions (and the renderer the shared scene drawing). No import cycles anywhere.
    files: ['main/**/*.ts', 'preload/**/*.ts', 'renderer/**/*.ts', 'renderer/**/*.vue'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.mjs', '.vue'] })],
      // no-cycle follows imports by parsing each TypeScript file it reaches; components (.vue) import
      // stores and helpers, never the other way round, so it need not parse them.
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/ignore': ['\\.vue$'],
    },
    rules: {
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            { target: './main/lab/domain', from: './main', except: ['./lab/domain'], message: 'domain definitions import only each other' },
            { target: './main/lab', from: './main', except: ['./lab'], message: 'the lab core imports no bridge or shell' },
            { target: './main/lab', from: ['./preload', './renderer'], message: 'the lab core imports no bridge or renderer' },
            {
              target: './renderer',
              from: './main',
              except: ['./lab/domain', './lab/media/scene.ts', './lab/media/frames.ts'],
              message: 'the renderer imports only the domain and the shared scene',
            },
            { target: './preload', from: './main', except: ['./lab/domain'], message: 'the contract is built from the domain only' },
          ],
        },
      ],
    },
  },
  // Layout is Prettier's (npm run lint runs prettier --check); style rules that would fight it are off.
  prettier,
);
