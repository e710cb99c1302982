import path from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from './support/repo';

// The package's public surface, read from its entries with the TypeScript compiler: each name is
// exported by one entry (the one that owns it), and every type an exported signature needs can be
// named by a user from some entry. Private members and function bodies are not the surface.

const ENTRIES: Record<string, string> = {
  'durable-callbacks': 'worker/index.ts',
  'durable-callbacks/workflows': 'workflows/index.ts',
  'durable-callbacks/client': 'client/index.ts',
  'durable-callbacks/gateway': 'callback-gateway/index.ts',
  'durable-callbacks/codec': 'codec/index.ts',
  'durable-callbacks/mcp': 'mcp/index.ts',
};

interface Surface {
  exportedBy: Map<string, string[]>;
  /** Types a signature needs, by name, with the entry and export that needs it. */
  needed: Map<string, string>;
  exportedSymbols: Set<ts.Symbol>;
}

function readSurface(): Surface {
  const files = Object.values(ENTRIES).map((file) => path.join(REPO_ROOT, file));
  const program = ts.createProgram(files, {
    strict: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    types: ['node'],
  });
  const checker = program.getTypeChecker();
  const resolve = (symbol: ts.Symbol) => (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);
  const surface: Surface = { exportedBy: new Map(), needed: new Map(), exportedSymbols: new Set() };
  const isOurs = (symbol: ts.Symbol) => {
    const file = symbol.declarations?.[0]?.getSourceFile().fileName ?? '';
    return file.startsWith(REPO_ROOT) && !file.includes('node_modules') && !(symbol.flags & ts.SymbolFlags.TypeParameter);
  };
  for (const [entry, file] of Object.entries(ENTRIES)) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(path.join(REPO_ROOT, file))!)!;
    const exports = checker.getExportsOfModule(module);
    for (const symbol of exports) {
      surface.exportedBy.set(symbol.getName(), [...(surface.exportedBy.get(symbol.getName()) ?? []), entry]);
      surface.exportedSymbols.add(resolve(symbol));
    }
    const seen = new Set<ts.Symbol>();
    const visit = (node: ts.Node, via: string): void => {
      if (ts.isBlock(node)) return;
      if (ts.canHaveModifiers(node) && ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword)) return;
      if (ts.isPrivateIdentifier((node as ts.NamedDeclaration).name ?? node)) return;
      if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node)) {
        const at = checker.getSymbolAtLocation(ts.isTypeReferenceNode(node) ? node.typeName : node.expression);
        const target = at && resolve(at);
        if (target && isOurs(target) && !seen.has(target)) {
          seen.add(target);
          if (!surface.needed.has(target.getName())) surface.needed.set(target.getName(), `${entry} (${via})`);
          for (const declaration of target.declarations ?? []) visit(declaration, target.getName());
        }
      }
      ts.forEachChild(node, (child) => visit(child, via));
    };
    for (const symbol of exports) for (const declaration of resolve(symbol).declarations ?? []) visit(declaration, symbol.getName());
  }
  return surface;
}

const surface = readSurface();

describe('the public surface', () => {
  it('exports each name from one entry only', () => {
    const twice = [...surface.exportedBy].filter(([, entries]) => entries.length > 1).map(([name, entries]) => `${name}: ${entries.join(', ')}`);
    expect(twice).toEqual([]);
  });

  it('lets a user name every type an exported signature needs, from some entry', () => {
    const exportedNames = new Set(surface.exportedBy.keys());
    const unnamed = [...surface.needed].filter(([name]) => !exportedNames.has(name)).map(([name, where]) => `${name}, needed by ${where}`);
    expect(unnamed).toEqual([]);
  });
});
