/**
 * What Dominican online stores sell: categories, sub-categories and product templates with brands, specs and
 * realistic prices in Dominican pesos (2026), and the words buyers type to find them (Spanish and English).
 */

export type CategoryKey =
  | 'electronica'
  | 'hogar'
  | 'moda'
  | 'belleza'
  | 'supermercado'
  | 'ferreteria'
  | 'repuestos'
  | 'bebes';

export interface ProductTemplate {
  /** Generic noun of the product, e.g. "Licuadora". */
  kind: string;
  /** Brand and its price multiplier. */
  brands: readonly (readonly [string, number])[];
  /** Model, size or spec appended to the name. */
  specs: readonly string[];
  /** Typical price range in DOP for a 1.0 brand. */
  price: readonly [number, number];
  /** Name layout: kind brand spec (default) or brand spec. */
  brandFirst?: boolean;
  /** Words buyers type in Spanish (Dominican usage first) and in English. */
  es: readonly string[];
  en: readonly string[];
  /** Variants a buyer chooses (size, colour); none when absent. */
  variants?: readonly string[];
  /** ITBIS-exempt staples (rice, beans, milk, coffee, eggs, baby formula). */
  exempt?: boolean;
}

export interface Subcategory {
  name: string;
  templates: readonly ProductTemplate[];
}

export interface Category {
  key: CategoryKey;
  /** Display name, the first level of the category path. */
  name: string;
  /** English name, for English searches. */
  en: string;
  /** Share of buyer interest across the marketplace. */
  demand: number;
  /** Share of stores whose main category this is. */
  storeShare: number;
  /** Added to the plan commission rate (electronics margins are thin, fashion margins are wide). */
  commissionDelta: number;
  /** Median initial stock of a product. */
  stockMedian: number;
  /** Relative chance that an order is refunded (fit, damage, "not as described"). */
  refundRisk: number;
  /** Words for store names. */
  storeWords: readonly string[];
  subcategories: readonly Subcategory[];
}

const sizesClothes = ['Talla S', 'Talla M', 'Talla L', 'Talla XL'];
const sizesShoes = ['Talla 7', 'Talla 8', 'Talla 9', 'Talla 10', 'Talla 11'];
const colours = ['negro', 'blanco', 'azul', 'rojo', 'gris'];

export const categories: readonly Category[] = [
  {
    key: 'electronica',
    name: 'Electrónica',
    en: 'electronics',
    demand: 0.22,
    storeShare: 0.16,
    commissionDelta: -0.02,
    stockMedian: 10,
    refundRisk: 1.2,
    storeWords: ['Tecno', 'Digital', 'Cell', 'Smart', 'Gadgets', 'Electro'],
    subcategories: [
      {
        name: 'Celulares',
        templates: [
          {
            kind: 'Celular',
            brands: [['Samsung', 1]],
            specs: ['Galaxy A15 128 GB', 'Galaxy A25 5G 256 GB', 'Galaxy A55 256 GB', 'Galaxy S23 FE 128 GB'],
            price: [10500, 36000],
            brandFirst: true,
            es: ['celular samsung', 'samsung galaxy', 'telefono samsung', 'cel samsung'],
            en: ['samsung phone', 'samsung galaxy'],
            variants: colours,
          },
          {
            kind: 'Celular',
            brands: [['Apple', 1]],
            specs: ['iPhone 13 128 GB', 'iPhone 14 128 GB', 'iPhone 15 128 GB', 'iPhone 15 Pro 256 GB'],
            price: [39000, 78000],
            brandFirst: true,
            es: ['iphone', 'iphone 13', 'iphone 15 pro', 'celular iphone'],
            en: ['iphone', 'iphone 15', 'apple iphone'],
            variants: colours,
          },
          {
            kind: 'Celular',
            brands: [
              ['Xiaomi', 1],
              ['Motorola', 0.85],
              ['Honor', 0.95],
            ],
            specs: ['128 GB', '256 GB', '8 GB RAM 256 GB'],
            price: [8500, 17500],
            es: ['celular barato', 'celular xiaomi', 'telefono', 'celular motorola'],
            en: ['cheap phone', 'android phone', 'xiaomi phone'],
            variants: colours,
          },
        ],
      },
      {
        name: 'Audio',
        templates: [
          {
            kind: 'Audífonos inalámbricos',
            brands: [
              ['JBL', 1],
              ['Sony', 1.1],
              ['Apple AirPods', 2.6],
              ['Soundcore', 0.7],
            ],
            specs: ['Bluetooth', 'con cancelación de ruido', 'deportivos'],
            price: [2200, 4800],
            es: ['audifonos', 'audífonos bluetooth', 'airpods', 'audifonos inalambricos'],
            en: ['earbuds', 'wireless headphones', 'airpods'],
            variants: colours,
          },
          {
            kind: 'Bocina portátil',
            brands: [
              ['JBL', 1],
              ['Sony', 0.9],
              ['Genérica', 0.25],
            ],
            specs: ['resistente al agua', 'con luces LED', 'de 20W', 'de 40W'],
            price: [3900, 9500],
            es: ['bocina', 'bocina jbl', 'bocina bluetooth', 'bocina pa la playa'],
            en: ['speaker', 'bluetooth speaker', 'jbl speaker'],
          },
        ],
      },
      {
        name: 'Televisores',
        templates: [
          {
            kind: 'Smart TV',
            brands: [
              ['Samsung', 1],
              ['LG', 1],
              ['TCL', 0.7],
              ['Hisense', 0.72],
            ],
            specs: ['43" Full HD', '50" 4K UHD', '55" 4K UHD', '65" 4K QLED'],
            price: [15500, 52000],
            es: ['televisor', 'smart tv', 'tv 55 pulgadas', 'televisión 4k'],
            en: ['tv', 'smart tv', '4k tv'],
          },
        ],
      },
      {
        name: 'Computadoras',
        templates: [
          {
            kind: 'Laptop',
            brands: [
              ['HP', 1],
              ['Lenovo', 0.95],
              ['Dell', 1.1],
              ['Asus', 0.95],
            ],
            specs: [
              'Core i3 8 GB 256 GB SSD',
              'Core i5 8 GB 512 GB SSD',
              'Ryzen 5 16 GB 512 GB',
              'Core i7 16 GB 1 TB',
            ],
            price: [26000, 48000],
            es: ['laptop', 'computadora', 'laptop hp', 'laptop para la universidad'],
            en: ['laptop', 'notebook'],
          },
          {
            kind: 'Laptop',
            brands: [['Apple MacBook Air', 1]],
            specs: ['M2 13" 256 GB', 'M3 13" 256 GB', 'M3 15" 512 GB'],
            price: [58000, 85000],
            brandFirst: true,
            es: ['macbook', 'macbook air', 'laptop apple'],
            en: ['macbook', 'macbook air'],
          },
          {
            kind: 'Tablet',
            brands: [
              ['Samsung Galaxy Tab', 1],
              ['Apple iPad', 1.9],
              ['Lenovo Tab', 0.8],
            ],
            specs: ['64 GB wifi', '128 GB wifi', '128 GB 4G'],
            price: [9500, 16500],
            brandFirst: true,
            es: ['tablet', 'tableta', 'ipad'],
            en: ['tablet', 'ipad'],
          },
        ],
      },
      {
        name: 'Accesorios',
        templates: [
          {
            kind: 'Cargador rápido',
            brands: [
              ['Anker', 1],
              ['Samsung', 1.1],
              ['Genérico', 0.4],
            ],
            specs: ['USB-C 25W', '20W con cable', 'doble puerto'],
            price: [650, 1500],
            es: ['cargador', 'cargador tipo c', 'cargador rapido'],
            en: ['charger', 'usb c charger'],
          },
          {
            kind: 'Power bank',
            brands: [
              ['Xiaomi', 1],
              ['Anker', 1.2],
            ],
            specs: ['10000 mAh', '20000 mAh'],
            price: [1200, 2600],
            es: ['power bank', 'bateria portatil', 'cargador portátil'],
            en: ['power bank', 'portable charger'],
          },
          {
            kind: 'Protector de pantalla',
            brands: [['Genérico', 1]],
            specs: ['de cristal templado', 'privacidad'],
            price: [250, 600],
            es: ['protector de pantalla', 'mica', 'cristal templado'],
            en: ['screen protector'],
          },
        ],
      },
    ],
  },
  {
    key: 'hogar',
    name: 'Hogar',
    en: 'home',
    demand: 0.18,
    storeShare: 0.17,
    commissionDelta: 0,
    stockMedian: 14,
    refundRisk: 1,
    storeWords: ['Hogar', 'Casa', 'Mi Casa', 'Hogar y Más', 'Deco', 'Cocina'],
    subcategories: [
      {
        name: 'Cocina',
        templates: [
          {
            kind: 'Licuadora',
            brands: [
              ['Oster', 1],
              ['Black+Decker', 0.8],
              ['Ninja', 1.9],
            ],
            specs: ['10 velocidades', 'de vaso de vidrio', 'Pro 1000W'],
            price: [2600, 4200],
            es: ['licuadora', 'licuadora oster', 'batidora'],
            en: ['blender'],
          },
          {
            kind: 'Freidora de aire',
            brands: [
              ['Ninja', 1.4],
              ['Oster', 1],
              ['Genérica', 0.6],
            ],
            specs: ['4 L', '5.5 L digital', 'doble canasta 8 L'],
            price: [4200, 7900],
            es: ['freidora de aire', 'air fryer', 'freidora'],
            en: ['air fryer'],
          },
          {
            kind: 'Olla arrocera',
            brands: [
              ['Black+Decker', 1],
              ['Oster', 1.1],
            ],
            specs: ['6 tazas', '10 tazas'],
            price: [1800, 3200],
            es: ['arrocera', 'olla arrocera', 'olla de arroz'],
            en: ['rice cooker'],
          },
          {
            kind: 'Greca',
            brands: [
              ['Imusa', 1],
              ['Bialetti', 2.8],
            ],
            specs: ['3 tazas', '6 tazas', '9 tazas'],
            price: [650, 1250],
            es: ['greca', 'greca imusa', 'cafetera'],
            en: ['coffee maker', 'moka pot'],
          },
          {
            kind: 'Juego de calderos',
            brands: [
              ['Imusa', 1],
              ['Tramontina', 1.3],
            ],
            specs: ['de aluminio 3 piezas', 'antiadherentes 7 piezas'],
            price: [1900, 4800],
            es: ['calderos', 'juego de ollas', 'caldero'],
            en: ['cookware set', 'pots and pans'],
          },
        ],
      },
      {
        name: 'Electrodomésticos',
        templates: [
          {
            kind: 'Abanico de pie',
            brands: [
              ['Mytek', 1],
              ['Black+Decker', 1.2],
            ],
            specs: ['18"', '16" con control remoto'],
            price: [1900, 3400],
            es: ['abanico', 'abanico de pie', 'ventilador'],
            en: ['fan', 'standing fan'],
          },
          {
            kind: 'Nevera',
            brands: [
              ['Mabe', 1],
              ['Samsung', 1.3],
              ['LG', 1.25],
            ],
            specs: ['10 pies', '14 pies inverter', '18 pies no frost'],
            price: [26000, 52000],
            es: ['nevera', 'nevera inverter', 'refrigerador'],
            en: ['fridge', 'refrigerator'],
          },
          {
            kind: 'Lavadora',
            brands: [
              ['Whirlpool', 1],
              ['LG', 1.15],
              ['Mabe', 0.9],
            ],
            specs: ['18 libras', '22 libras automática', 'de dos tinas'],
            price: [17500, 36000],
            es: ['lavadora', 'lavadora automatica', 'lavadora 18 libras'],
            en: ['washing machine', 'washer'],
          },
          {
            kind: 'Aire acondicionado',
            brands: [
              ['LG', 1.1],
              ['Midea', 0.9],
              ['Gree', 1],
            ],
            specs: ['12,000 BTU inverter', '18,000 BTU inverter', '24,000 BTU'],
            price: [24000, 48000],
            es: ['aire acondicionado', 'inverter', 'split 12000 btu'],
            en: ['air conditioner', 'ac unit'],
          },
          {
            kind: 'Inversor',
            brands: [
              ['Tripp Lite', 1.2],
              ['Genérico', 0.8],
            ],
            specs: ['1500W', '3000W con baterías'],
            price: [14000, 42000],
            es: ['inversor', 'inversor para la luz', 'baterias de inversor'],
            en: ['power inverter', 'inverter'],
          },
        ],
      },
      {
        name: 'Muebles',
        templates: [
          {
            kind: 'Colchón ortopédico',
            brands: [
              ['Serta', 1.3],
              ['Genérico', 0.8],
            ],
            specs: ['twin', 'full', 'queen', 'king'],
            price: [12000, 26000],
            es: ['colchon', 'colchón queen', 'colchon ortopedico'],
            en: ['mattress', 'queen mattress'],
          },
          {
            kind: 'Silla de oficina',
            brands: [['Genérica', 1]],
            specs: ['ergonómica', 'ejecutiva reclinable'],
            price: [4500, 9500],
            es: ['silla de oficina', 'silla ergonomica', 'silla gamer'],
            en: ['office chair', 'gaming chair'],
          },
        ],
      },
      {
        name: 'Ropa de cama',
        templates: [
          {
            kind: 'Juego de sábanas',
            brands: [['Casa Bella', 1]],
            specs: ['queen 1800 hilos', 'full de algodón', 'king microfibra'],
            price: [1200, 2600],
            es: ['sabanas', 'juego de sábanas', 'sabanas queen'],
            en: ['bed sheets'],
            variants: colours,
          },
        ],
      },
    ],
  },
  {
    key: 'moda',
    name: 'Moda',
    en: 'fashion',
    demand: 0.16,
    storeShare: 0.2,
    commissionDelta: 0.02,
    stockMedian: 18,
    refundRisk: 1.8,
    storeWords: ['Moda', 'Boutique', 'Style', 'Fashion', 'Closet', 'Trendy'],
    subcategories: [
      {
        name: 'Mujer',
        templates: [
          {
            kind: 'Vestido',
            brands: [
              ['Shein', 0.6],
              ['Zara', 1.4],
              ['Genérico', 1],
            ],
            specs: ['casual de lino', 'largo floreado', 'de fiesta'],
            price: [1200, 2800],
            es: ['vestido', 'vestido de fiesta', 'vestidos de mujer', 'vestido largo'],
            en: ['dress', 'summer dress'],
            variants: sizesClothes,
          },
          {
            kind: 'Cartera',
            brands: [
              ['Michael Kors', 4],
              ['Guess', 2.5],
              ['Genérica', 1],
            ],
            specs: ['de mano', 'bandolera', 'tote'],
            price: [1400, 2800],
            es: ['cartera', 'carteras de mujer', 'cartera michael kors'],
            en: ['handbag', 'purse'],
          },
        ],
      },
      {
        name: 'Hombre',
        templates: [
          {
            kind: 'Guayabera',
            brands: [['Genérica', 1]],
            specs: ['de lino manga larga', 'manga corta'],
            price: [1800, 3400],
            es: ['guayabera', 'guayabera de lino'],
            en: ['guayabera', 'linen shirt'],
            variants: sizesClothes,
          },
          {
            kind: 'Jeans',
            brands: [
              ["Levi's", 1.5],
              ['Genérico', 0.7],
            ],
            specs: ['505 corte recto', 'slim fit'],
            price: [1600, 3200],
            es: ['jeans', 'pantalon jeans', 'jeans levis'],
            en: ['jeans', "levi's jeans"],
            variants: ['Talla 30', 'Talla 32', 'Talla 34', 'Talla 36'],
          },
          {
            kind: 'Polo',
            brands: [
              ['Ralph Lauren', 2.8],
              ['Tommy Hilfiger', 2.2],
              ['Genérico', 1],
            ],
            specs: ['de algodón', 'slim'],
            price: [800, 1500],
            es: ['polo', 't-shirt', 'poloshirt', 'camisa polo'],
            en: ['polo shirt', 't-shirt'],
            variants: sizesClothes,
          },
        ],
      },
      {
        name: 'Calzado',
        templates: [
          {
            kind: 'Tenis',
            brands: [
              ['Nike', 1.1],
              ['Adidas', 1],
              ['New Balance', 1.05],
              ['Skechers', 0.85],
            ],
            specs: ['para correr', 'casuales', 'de entrenamiento', 'clásicos blancos'],
            price: [3400, 6500],
            es: ['tenis', 'tenis nike', 'tenis de mujer', 'zapatos deportivos'],
            en: ['sneakers', 'running shoes', 'nike shoes'],
            variants: sizesShoes,
          },
          {
            kind: 'Chancletas',
            brands: [
              ['Crocs', 5],
              ['Havaianas', 2],
              ['Genéricas', 1],
            ],
            specs: ['clásicas', 'de playa'],
            price: [350, 700],
            es: ['chancletas', 'crocs', 'sandalias'],
            en: ['flip flops', 'crocs', 'sandals'],
            variants: sizesShoes,
          },
        ],
      },
      {
        name: 'Accesorios',
        templates: [
          {
            kind: 'Reloj',
            brands: [
              ['Casio', 1],
              ['Fossil', 2.6],
            ],
            specs: ['digital', 'de acero', 'deportivo'],
            price: [1800, 4500],
            es: ['reloj', 'reloj casio', 'reloj de hombre'],
            en: ['watch', 'casio watch'],
          },
        ],
      },
    ],
  },
  {
    key: 'belleza',
    name: 'Belleza',
    en: 'beauty',
    demand: 0.11,
    storeShare: 0.13,
    commissionDelta: 0.01,
    stockMedian: 25,
    refundRisk: 0.7,
    storeWords: ['Belleza', 'Beauty', 'Glam', 'Bella', 'Salón', 'Rizos'],
    subcategories: [
      {
        name: 'Cuidado del cabello',
        templates: [
          {
            kind: 'Mascarilla capilar',
            brands: [
              ['Alóe Rizos', 1],
              ['Salerm', 1.4],
              ['Genérica', 0.7],
            ],
            specs: ['de aguacate 500 ml', 'de coco 1 kg', 'reparadora'],
            price: [450, 1100],
            es: ['mascarilla para el pelo', 'mascarilla capilar', 'tratamiento para el pelo'],
            en: ['hair mask', 'hair treatment'],
          },
          {
            kind: 'Kit para rizos',
            brands: [
              ['Alóe Rizos', 1],
              ['Cantu', 1.2],
            ],
            specs: ['shampoo, acondicionador y crema', '4 piezas'],
            price: [1200, 2200],
            es: ['productos para rizos', 'kit de rizos', 'crema para peinar'],
            en: ['curly hair products'],
          },
          {
            kind: 'Secador de pelo',
            brands: [
              ['Remington', 1],
              ['Babyliss', 1.5],
              ['Conair', 0.9],
            ],
            specs: ['1875W iónico', 'profesional'],
            price: [1900, 3800],
            es: ['secador de pelo', 'blower', 'secadora de pelo'],
            en: ['hair dryer', 'blow dryer'],
          },
          {
            kind: 'Plancha de pelo',
            brands: [
              ['Babyliss', 1.3],
              ['Remington', 1],
            ],
            specs: ['de titanio', 'de cerámica 1"'],
            price: [2200, 4200],
            es: ['plancha de pelo', 'plancha babyliss', 'alisadora'],
            en: ['hair straightener', 'flat iron'],
          },
        ],
      },
      {
        name: 'Perfumes',
        templates: [
          {
            kind: 'Perfume',
            brands: [
              ['Carolina Herrera', 1.1],
              ['Versace', 1],
              ['Calvin Klein', 0.8],
              ['Lattafa', 0.45],
            ],
            specs: [
              'Eau de Toilette 50 ml',
              'Eau de Toilette 100 ml',
              'Eau de Parfum 100 ml',
              'set de regalo',
            ],
            price: [4200, 7800],
            es: ['perfume', 'perfume original', 'perfume de mujer', 'perfume de hombre'],
            en: ['perfume', 'cologne', 'fragrance'],
          },
        ],
      },
      {
        name: 'Cuidado de la piel',
        templates: [
          {
            kind: 'Protector solar',
            brands: [
              ['La Roche-Posay', 1.5],
              ['Neutrogena', 1],
              ['Banana Boat', 0.8],
            ],
            specs: ['SPF 50 200 ml', 'facial SPF 60'],
            price: [900, 1600],
            es: ['protector solar', 'bloqueador', 'bloqueador solar'],
            en: ['sunscreen', 'sunblock'],
          },
          {
            kind: 'Crema hidratante',
            brands: [
              ['Cetaphil', 1.1],
              ['CeraVe', 1.2],
              ['Nivea', 0.6],
            ],
            specs: ['453 g', 'facial 50 ml'],
            price: [850, 1600],
            es: ['crema hidratante', 'crema cerave', 'crema para la cara'],
            en: ['moisturizer', 'face cream'],
          },
        ],
      },
    ],
  },
  {
    key: 'supermercado',
    name: 'Supermercado',
    en: 'groceries',
    demand: 0.12,
    storeShare: 0.1,
    commissionDelta: -0.04,
    stockMedian: 60,
    refundRisk: 0.4,
    storeWords: ['Colmado', 'Súper', 'Mercado', 'Despensa', 'Provisiones', 'Minimarket'],
    subcategories: [
      {
        name: 'Despensa',
        templates: [
          {
            kind: 'Arroz',
            brands: [
              ['Selecto', 1],
              ['La Garza', 0.95],
              ['Campo', 0.9],
            ],
            specs: ['10 lb', '25 lb', '5 lb'],
            price: [260, 560],
            es: ['arroz', 'arroz selecto', 'arroz 10 libras'],
            en: ['rice'],
            exempt: true,
          },
          {
            kind: 'Habichuelas rojas',
            brands: [
              ['La Famosa', 1],
              ['Goya', 1.15],
            ],
            specs: ['15 oz', '2 lb'],
            price: [65, 210],
            es: ['habichuelas', 'habichuelas rojas', 'habichuela'],
            en: ['red beans', 'beans'],
            exempt: true,
          },
          {
            kind: 'Café molido',
            brands: [
              ['Santo Domingo', 1],
              ['Monte Alto', 1.2],
            ],
            specs: ['1 lb', '14 oz'],
            price: [290, 380],
            es: ['cafe', 'café santo domingo', 'cafe molido'],
            en: ['coffee', 'ground coffee'],
            exempt: true,
          },
          {
            kind: 'Aceite de soya',
            brands: [
              ['Crisol', 1],
              ['Mazola', 1.2],
            ],
            specs: ['1 galón', '64 oz'],
            price: [420, 720],
            es: ['aceite', 'aceite crisol', 'aceite de cocina'],
            en: ['cooking oil'],
            exempt: true,
          },
          {
            kind: 'Salami',
            brands: [
              ['Induveca', 1],
              ['Don Pedro', 0.9],
            ],
            specs: ['súper especial 1 lb', 'ahumado'],
            price: [180, 320],
            es: ['salami', 'salami induveca'],
            en: ['salami'],
          },
        ],
      },
      {
        name: 'Bebidas',
        templates: [
          {
            kind: 'Cerveza',
            brands: [
              ['Presidente', 1],
              ['Bohemia', 0.95],
            ],
            specs: ['12 unidades 12 oz', 'jumbo 6 unidades'],
            price: [950, 1500],
            brandFirst: false,
            es: ['cerveza', 'presidente', 'cervezas frias', 'cerveza presidente'],
            en: ['beer'],
          },
          {
            kind: 'Ron',
            brands: [
              ['Brugal Añejo', 1],
              ['Barceló Imperial', 1.9],
              ['Bermúdez', 0.8],
            ],
            specs: ['700 ml', '1 L'],
            price: [650, 1100],
            es: ['ron', 'ron brugal', 'barcelo imperial'],
            en: ['rum', 'dominican rum'],
          },
          {
            kind: 'Agua',
            brands: [
              ['Planeta Azul', 1],
              ['Crystal', 0.9],
            ],
            specs: ['botellón 5 galones', '24 botellitas'],
            price: [110, 380],
            es: ['agua', 'botellon de agua', 'agua planeta azul'],
            en: ['water', 'bottled water'],
            exempt: true,
          },
        ],
      },
      {
        name: 'Limpieza',
        templates: [
          {
            kind: 'Detergente en polvo',
            brands: [
              ['Ace', 1],
              ['Ariel', 1.15],
            ],
            specs: ['2 kg', '5 kg'],
            price: [380, 950],
            es: ['detergente', 'ace', 'jabon de lavar'],
            en: ['laundry detergent'],
          },
          {
            kind: 'Cloro',
            brands: [
              ['Mistolín', 1],
              ['Clorox', 1.2],
            ],
            specs: ['1 galón'],
            price: [130, 190],
            es: ['cloro', 'clorox'],
            en: ['bleach'],
          },
        ],
      },
    ],
  },
  {
    key: 'ferreteria',
    name: 'Ferretería',
    en: 'hardware',
    demand: 0.07,
    storeShare: 0.09,
    commissionDelta: 0,
    stockMedian: 20,
    refundRisk: 0.6,
    storeWords: ['Ferretería', 'Ferre', 'Materiales', 'Construye', 'Herramientas'],
    subcategories: [
      {
        name: 'Herramientas',
        templates: [
          {
            kind: 'Taladro',
            brands: [
              ['Bosch', 1],
              ['DeWalt', 1.4],
              ['Truper', 0.65],
            ],
            specs: ['percutor 650W', 'inalámbrico 20V'],
            price: [3800, 7900],
            es: ['taladro', 'taladro inalambrico', 'taladro bosch'],
            en: ['drill', 'cordless drill'],
          },
          {
            kind: 'Juego de destornilladores',
            brands: [
              ['Truper', 1],
              ['Stanley', 1.4],
            ],
            specs: ['6 piezas', '12 piezas'],
            price: [650, 1400],
            es: ['destornilladores', 'desarmadores', 'juego de herramientas'],
            en: ['screwdriver set', 'tool set'],
          },
        ],
      },
      {
        name: 'Pintura',
        templates: [
          {
            kind: 'Pintura acrílica',
            brands: [
              ['Popular', 1],
              ['Tropical', 0.95],
              ['Sherwin-Williams', 1.5],
            ],
            specs: ['galón blanco hueso', 'cubeta 5 galones', 'galón satinada'],
            price: [1150, 5900],
            es: ['pintura', 'pintura popular', 'galon de pintura'],
            en: ['paint', 'wall paint'],
          },
        ],
      },
      {
        name: 'Electricidad',
        templates: [
          {
            kind: 'Bombillo LED',
            brands: [
              ['Sylvania', 1],
              ['Philips', 1.1],
            ],
            specs: ['9W luz blanca', '12W paquete de 4'],
            price: [95, 450],
            es: ['bombillo', 'bombillos led', 'foco led'],
            en: ['led bulb', 'light bulb'],
          },
          {
            kind: 'Extensión eléctrica',
            brands: [['Genérica', 1]],
            specs: ['10 m', '25 m uso rudo'],
            price: [420, 1300],
            es: ['extension', 'extensión eléctrica', 'alargador'],
            en: ['extension cord'],
          },
        ],
      },
      {
        name: 'Plomería',
        templates: [
          {
            kind: 'Tinaco',
            brands: [['Rotoplas', 1]],
            specs: ['250 galones', '450 galones'],
            price: [11000, 19000],
            es: ['tinaco', 'tanque de agua', 'tinaco rotoplas'],
            en: ['water tank'],
          },
          {
            kind: 'Llave de lavamanos',
            brands: [
              ['Helvex', 1.3],
              ['Genérica', 1],
            ],
            specs: ['monomando', 'cromada'],
            price: [850, 1900],
            es: ['llave de lavamanos', 'grifo', 'mezcladora'],
            en: ['faucet', 'sink faucet'],
          },
        ],
      },
    ],
  },
  {
    key: 'repuestos',
    name: 'Repuestos',
    en: 'auto parts',
    demand: 0.08,
    storeShare: 0.09,
    commissionDelta: 0,
    stockMedian: 12,
    refundRisk: 1.4,
    storeWords: ['Repuestos', 'Auto Parts', 'Autopartes', 'Motor', 'Piezas'],
    subcategories: [
      {
        name: 'Baterías',
        templates: [
          {
            kind: 'Batería',
            brands: [
              ['Bosch', 1.1],
              ['LTH', 1],
              ['Optima', 1.8],
            ],
            specs: ['12V 60Ah', '12V 75Ah para yipeta'],
            price: [5900, 8900],
            es: ['bateria de carro', 'bateria', 'bateria pa la yipeta'],
            en: ['car battery'],
          },
        ],
      },
      {
        name: 'Frenos',
        templates: [
          {
            kind: 'Pastillas de freno',
            brands: [
              ['Brembo', 1.4],
              ['Bosch', 1],
              ['Genéricas', 0.6],
            ],
            specs: ['para Toyota Corolla', 'para Honda CR-V', 'para Hyundai Tucson', 'para Kia Sportage'],
            price: [1400, 2600],
            es: ['pastillas de freno', 'bandas de freno', 'frenos corolla'],
            en: ['brake pads'],
          },
        ],
      },
      {
        name: 'Lubricantes',
        templates: [
          {
            kind: 'Aceite de motor',
            brands: [
              ['Mobil Super', 1],
              ['Castrol GTX', 1],
              ['Valvoline', 0.95],
            ],
            specs: ['5W-30 galón', '20W-50 cuarto', '10W-40 galón'],
            price: [420, 1850],
            es: ['aceite de motor', 'aceite mobil', 'aceite pa carro'],
            en: ['motor oil', 'engine oil'],
          },
        ],
      },
      {
        name: 'Gomas',
        templates: [
          {
            kind: 'Goma',
            brands: [
              ['Hankook', 1],
              ['Michelin', 1.5],
              ['Westlake', 0.7],
            ],
            specs: ['205/55 R16', '265/70 R17 para yipeta', '185/65 R15'],
            price: [4800, 9800],
            es: ['gomas', 'goma 205/55 r16', 'neumaticos', 'gomas pa yipeta'],
            en: ['tires', 'tyres'],
          },
        ],
      },
      {
        name: 'Filtros',
        templates: [
          {
            kind: 'Filtro de aceite',
            brands: [
              ['Toyota', 1.2],
              ['Fram', 1],
            ],
            specs: ['para Corolla', 'para Hilux', 'para CR-V'],
            price: [320, 700],
            es: ['filtro de aceite', 'filtros', 'filtro toyota'],
            en: ['oil filter'],
          },
        ],
      },
    ],
  },
  {
    key: 'bebes',
    name: 'Bebés',
    en: 'baby',
    demand: 0.06,
    storeShare: 0.06,
    commissionDelta: -0.01,
    stockMedian: 30,
    refundRisk: 0.6,
    storeWords: ['Baby', 'Bebé', 'Mi Bebé', 'Pequeños', 'Kids'],
    subcategories: [
      {
        name: 'Pañales',
        templates: [
          {
            kind: 'Pañales',
            brands: [
              ['Huggies', 1],
              ['Pampers', 1.05],
              ['Babysec', 0.75],
            ],
            specs: ['etapa 3 (92 unidades)', 'etapa 4 (80 unidades)', 'recién nacido (40)'],
            price: [950, 1850],
            es: ['pampers', 'pañales', 'pañales huggies', 'panales etapa 3'],
            en: ['diapers'],
          },
        ],
      },
      {
        name: 'Alimentación',
        templates: [
          {
            kind: 'Fórmula infantil',
            brands: [
              ['Similac', 1.1],
              ['Enfamil', 1.1],
              ['Nan', 1],
            ],
            specs: ['etapa 1 850 g', 'etapa 2 800 g'],
            price: [1600, 2400],
            es: ['leche de bebe', 'formula similac', 'leche nan'],
            en: ['baby formula'],
            exempt: true,
          },
        ],
      },
      {
        name: 'Paseo',
        templates: [
          {
            kind: 'Coche de bebé',
            brands: [
              ['Graco', 1.2],
              ['Chicco', 1.3],
              ['Genérico', 0.7],
            ],
            specs: ['travel system', 'ligero plegable'],
            price: [6500, 14500],
            es: ['coche de bebe', 'coche para bebé', 'carrito de bebe'],
            en: ['stroller'],
          },
          {
            kind: 'Silla de carro para bebé',
            brands: [
              ['Graco', 1],
              ['Evenflo', 0.85],
            ],
            specs: ['convertible', '4 en 1'],
            price: [6900, 12500],
            es: ['silla de carro', 'car seat', 'silla pa bebe'],
            en: ['car seat', 'baby car seat'],
          },
        ],
      },
    ],
  },
];

export const categoryByKey: ReadonlyMap<CategoryKey, Category> = new Map(categories.map((c) => [c.key, c]));

export const categoryKeys: readonly CategoryKey[] = categories.map((c) => c.key);

/** One kind of product (a template in a sub-category), as stores list it and buyers look for it. */
export interface Kind {
  /** "category/subcategory index/template index". */
  key: string;
  category: Category;
  sub: Subcategory;
  template: ProductTemplate;
  /** "Hogar > Cocina". */
  path: string;
  /** Middle of the kind's price range (geometric), in DOP. */
  typicalPrice: number;
}

export const kinds: ReadonlyMap<string, Kind> = new Map(
  categories.flatMap((category) =>
    category.subcategories.flatMap((sub, s) =>
      sub.templates.map((template, t): [string, Kind] => {
        const key = `${category.key}/${s}/${t}`;
        const [lo, hi] = template.price;
        const kind = {
          key,
          category,
          sub,
          template,
          path: `${category.name} > ${sub.name}`,
          typicalPrice: Math.sqrt(lo * hi),
        };
        return [key, kind];
      }),
    ),
  ),
);

export const kindOf = (key: string): Kind => kinds.get(key)!;
