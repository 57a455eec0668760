// Allure 3's quality gate calls Iterator.prototype.toArray(), which Node 22 has and the
// suite's Node 20 lacks. `make report` preloads this (node --import); drop it with Node 22.
const IteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));

if (!IteratorPrototype.toArray) {
  Object.defineProperty(IteratorPrototype, "toArray", {
    value() {
      return [...this];
    },
    writable: true,
    configurable: true,
  });
}
